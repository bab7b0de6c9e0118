"""Complaints through ``pledge-trustee``: weak keys refused, the dealer's ``answer`` and anyone's
``adjudicate``, on the files the server would serve."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from crypto import complaints, dkg, group
from crypto.formats import files, keys, messages
from pledge_tools.exits import EXIT_CHECK_FAILED, EXIT_NOT_DONE, EXIT_OK

from .builders import PASSPHRASE, Ceremony, read_json, run, write_json
from .conftest import run_cli_subprocess


def secrets_of(ceremony: Ceremony, i: int) -> keys.TrusteeSecrets:
    return keys.unlock_key(keys.load_key(ceremony.key_files[i]), PASSPHRASE.encode())


def x25519_of(ceremony: Ceremony, i: int) -> bytes:
    return bytes.fromhex(ceremony.manifest["trustees"][i - 1]["x25519"])


def resign(ceremony: Ceremony, deal: dict[str, Any], seed: bytes) -> None:
    """The dealer signs the deal it posts, bad share and all."""
    parsed = dkg.deal_from_dict(deal)
    digest = dkg.deal_digest(ceremony.ctx, parsed.commitments, parsed.pop_r, parsed.pop_z,
                             parsed.encrypted_shares)
    deal["signature"] = messages.sign(seed, digest).hex()


def bad_share_board(ceremony: Ceremony, folder: Path, sealed_for_one: bytes | None) -> Path:
    """Trustee 2 posts a deal whose share for trustee 1 is bad, and signs it."""
    board = read_json(ceremony.board)
    dealer = secrets_of(ceremony, 2)
    if sealed_for_one is None:  # a share off trustee 2's polynomial
        sealed_for_one = dkg.encrypt_share(ceremony.ctx, 2, 1, (7).to_bytes(32, "little"),
                                           dealer.x25519_secret, x25519_of(ceremony, 1),
                                           bytes(24))
    board["deals"][1]["encrypted_shares"]["1"] = sealed_for_one.hex()
    resign(ceremony, board["deals"][1], dealer.signing_seed)
    return write_json(folder / "board.json", board)


def with_filed(board_path: Path, folder: Path, name: str, *, complaints_: Sequence[Path] = (),
               answers: Sequence[Path] = ()) -> Path:
    """The board as the server serves it once complaints and answers are uploaded."""
    board = read_json(board_path)
    board["complaints"] = [*board["complaints"], *(read_json(p) for p in complaints_)]
    board["answers"] = [*board["answers"], *(read_json(p) for p in answers)]
    return write_json(folder / name, board)


def finish(ceremony: Ceremony, j: int, board: Path, folder: Path) -> tuple[int, Path, Path]:
    share, out = folder / f"share{j}.json", folder / f"result{j}.json"
    code = run("finish", "--key", ceremony.key_files[j], "--package", ceremony.package,
               "--board", board, "--share-out", share, "--out", out, "--kdf", "interactive")
    return code, share, out


def file_complaint(ceremony: Ceremony, j: int, i: int, reason: str, folder: Path) -> Path:
    """Trustee j's signed complaint against i, made by hand (a false one, when i is honest)."""
    seed = secrets_of(ceremony, j).signing_seed
    signature = messages.sign(seed, messages.complaint_message(ceremony.ctx, j, i, reason))
    return write_json(folder / f"complaint{j}.json",
                      files.complaint_doc(ceremony.ctx, j, [files.Accusation(i, reason, signature)]))


def test_a_dealer_who_deals_a_bad_share_is_found_at_fault(
    ceremony, passphrase, tmp_path, capsys
) -> None:
    # Given trustee 2 dealt trustee 1 a share off its polynomial, signed
    board = bad_share_board(ceremony, tmp_path, None)
    # When trustee 1 finishes, it files a complaint (and stores no share)
    code, share, complaint = finish(ceremony, 1, board, tmp_path)
    assert code == EXIT_NOT_DONE and not share.exists()
    assert "complaint filed against trustee 2 (feldman-check-failed)" in capsys.readouterr().err
    board = with_filed(board, tmp_path, "board-complaint.json", complaints_=[complaint])
    # Then adjudicating before the answer says it is missing
    assert run("adjudicate", "--ceremony", ceremony.package, "--board", board) == EXIT_OK
    out = capsys.readouterr().out
    assert "Complaint of trustee 1 against trustee 2 (feldman-check-failed):" in out
    assert "no answer from trustee 2 yet: trustee 2 must answer" in out
    # When trustee 2 answers
    answer = tmp_path / "answer.json"
    assert run("answer", "--key", ceremony.key_files[2], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_OK
    out = capsys.readouterr().out
    assert f"Wrote {answer}: your signed answer. Upload it to the board." in out
    assert "the share you dealt them and the share they dealt you both become public" in out
    assert "every trustee makes a new deal" in out
    assert "(you are at fault)" in out  # the tool tells the dealer what everyone will find
    ctx, dealer, answers = files.load_answer(answer)
    assert (ctx, dealer, [a.complainant for a in answers]) == (ceremony.ctx, 2, [1])
    # Then anyone adjudicating from the files finds the dealer at fault
    board = with_filed(board, tmp_path, "board-answer.json", answers=[answer])
    result = run_cli_subprocess("adjudicate", "--ceremony", ceremony.package, "--board", board)
    assert result.returncode == EXIT_OK, result.stderr
    assert ("verdict: trustee 2 (the dealer) is at fault: the share does not match the dealer's "
            "commitments (the Feldman check fails).") in result.stdout


def test_a_share_that_does_not_open_is_the_dealers_fault(
    ceremony, passphrase, tmp_path, capsys
) -> None:
    garbage = bytes(range(dkg.ENCRYPTED_SHARE_BYTES))
    board = bad_share_board(ceremony, tmp_path, garbage)
    code, _, complaint = finish(ceremony, 1, board, tmp_path)
    assert code == EXIT_NOT_DONE
    assert files.load_complaint(complaint)[2][0].reason == "share-does-not-decrypt"
    board = with_filed(board, tmp_path, "b1.json", complaints_=[complaint])
    answer = tmp_path / "answer.json"
    assert run("answer", "--key", ceremony.key_files[2], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_OK
    board = with_filed(board, tmp_path, "b2.json", answers=[answer])
    capsys.readouterr()
    assert run("adjudicate", "--ceremony", ceremony.package, "--board", board) == EXIT_OK
    assert ("verdict: trustee 2 (the dealer) is at fault: the share does not decrypt under the "
            "revealed key.") in capsys.readouterr().out


def test_a_false_complaint_against_an_honest_dealer_blames_the_complainant(
    ceremony, passphrase, tmp_path, capsys
) -> None:
    # Given an honest board and trustee 3 lying that trustee 4's share does not decrypt
    complaint = file_complaint(ceremony, 3, 4, "share-does-not-decrypt", tmp_path)
    board = with_filed(ceremony.board, tmp_path, "b1.json", complaints_=[complaint])
    # When trustee 4 answers
    answer = tmp_path / "answer.json"
    assert run("answer", "--key", ceremony.key_files[4], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_OK
    out = capsys.readouterr().out
    assert "Checked the complaint of trustee 3 against you (share-does-not-decrypt)" in out
    assert "the complaint is false" in out and "(you are at fault)" not in out
    # Then adjudicating finds trustee 3 at fault, whatever reason it gave
    board = with_filed(board, tmp_path, "b2.json", answers=[answer])
    assert run("adjudicate", "--ceremony", ceremony.package, "--board", board) == EXIT_OK
    assert ("verdict: trustee 3 (the complainant) is at fault: the share opens, has the right "
            "context and matches the dealer's commitments: the complaint is false.") \
        in capsys.readouterr().out


def test_an_answer_edited_by_hand_is_refused(ceremony, passphrase, tmp_path, capsys) -> None:
    complaint = file_complaint(ceremony, 3, 4, "feldman-check-failed", tmp_path)
    board = with_filed(ceremony.board, tmp_path, "b1.json", complaints_=[complaint])
    answer = tmp_path / "answer.json"
    assert run("answer", "--key", ceremony.key_files[4], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_OK
    capsys.readouterr()
    # Someone (the server, or the dealer after signing) swaps in another shared point
    doc = read_json(answer)
    other = group.scalarmult(group.sc(2), bytes.fromhex(doc["answers"][0]["shared_point"]))
    doc["answers"][0]["shared_point"] = other.hex()
    edited = write_json(tmp_path / "edited.json", doc)
    assert run("adjudicate", "--ceremony", ceremony.package, "--board",
               with_filed(board, tmp_path, "b2.json", answers=[edited])) == EXIT_OK
    assert ("the answer is refused: the dealer's signature on it does not verify, so it proves "
            "nothing.") in capsys.readouterr().out
    # A dealer who signs a made-up point still cannot prove it
    dealer = secrets_of(ceremony, 4)
    made = complaints.ComplaintAnswer(*(bytes.fromhex(doc["answers"][0][k])
                                        for k in ("shared_point", "a1", "a2", "z")))
    doc["answers"][0]["signature"] = messages.sign(dealer.signing_seed, messages.complaint_answer_message(
        ceremony.ctx, 4, 3, made.shared_point, made.a1, made.a2, made.z)).hex()
    forged = write_json(tmp_path / "forged.json", doc)
    assert run("adjudicate", "--ceremony", ceremony.package, "--board",
               with_filed(board, tmp_path, "b3.json", answers=[forged])) == EXIT_OK
    assert ("the answer is refused: the proof that the shared point is the dealer's does not "
            "verify, so it proves nothing.") in capsys.readouterr().out
    # And a file that is not even in the format stops the tool
    doc["answers"][0]["z"] = "zz"
    broken = write_json(tmp_path / "broken.json", doc)
    assert run("adjudicate", "--ceremony", ceremony.package, "--board",
               with_filed(board, tmp_path, "b4.json", answers=[broken])) == EXIT_CHECK_FAILED
    assert "z" in capsys.readouterr().err


def test_answer_refuses_when_there_is_nothing_valid_to_answer(
    ceremony, passphrase, tmp_path, capsys
) -> None:
    answer = tmp_path / "answer.json"
    assert run("answer", "--key", ceremony.key_files[4], "--ceremony", ceremony.package,
               "--board", ceremony.board, "--out", answer) == EXIT_CHECK_FAILED
    assert "holds no complaint against you (trustee 4): there is nothing to answer" \
        in capsys.readouterr().err
    # a complaint naming a public reason is the server's failure: nothing is revealed
    complaint = file_complaint(ceremony, 3, 4, "bad-proof", tmp_path)
    board = with_filed(ceremony.board, tmp_path, "b1.json", complaints_=[complaint])
    assert run("answer", "--key", ceremony.key_files[4], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_CHECK_FAILED
    assert ("the complaint of trustee 3 against you is not valid: it names bad-proof, a public "
            "check the server makes before it stores a deal") in capsys.readouterr().err
    # a complaint whose signature is not trustee 3's
    doc = read_json(complaint)
    doc["complaints"][0]["reason"] = "feldman-check-failed"
    forged = write_json(tmp_path / "forged.json", doc)
    board = with_filed(ceremony.board, tmp_path, "b2.json", complaints_=[forged])
    assert run("answer", "--key", ceremony.key_files[4], "--ceremony", ceremony.package,
               "--board", board, "--out", answer) == EXIT_CHECK_FAILED
    assert "trustee 3's signature on it does not verify" in capsys.readouterr().err
    assert not answer.exists()
    assert run("adjudicate", "--ceremony", ceremony.package, "--board", board) == EXIT_OK
    assert "not a valid complaint: trustee 3's signature on it does not verify." \
        in capsys.readouterr().out


def test_adjudicate_on_a_board_without_complaints(ceremony, capsys) -> None:
    assert run("adjudicate", "--ceremony", ceremony.package, "--board", ceremony.board) == EXIT_OK
    assert "The board holds no complaint." in capsys.readouterr().out


@pytest.mark.parametrize("weak, reason", [
    ("01" + "00" * 31, "of low order"),
    ("ec" + "ff" * 30 + "7f", "of low order"),
    ("02" + "00" * 31, "not a point of the curve"),
])
def test_deal_and_finish_refuse_a_manifest_with_a_weak_key(
    ceremony, passphrase, tmp_path, weak, reason
) -> None:
    # Given a ceremony package (its ctx recomputed) in which trustee 3's X25519 key is weak
    manifest = json.loads(json.dumps(ceremony.manifest))
    manifest["trustees"][2]["x25519"] = weak
    package = write_json(tmp_path / "ceremony.json",
                         files.ceremony_doc(manifest, files.manifest_ctx(manifest)))
    expected = (f"trustee 3 ('Trustee 3') is refused: the X25519 key is {reason} (every X25519 key "
                "must be a point of the prime-order subgroup)")
    # When trustee 1 deals (in a fresh process, as a trustee would run it)
    deal = tmp_path / "deal.json"
    result = run_cli_subprocess("deal", "--key", ceremony.key_files[1], "--package", package,
                                "--out", deal)
    # Then the tool stops with one clear line, no traceback, and writes nothing
    assert result.returncode == EXIT_CHECK_FAILED
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert not deal.exists()
    result = run_cli_subprocess("finish", "--key", ceremony.key_files[1], "--package", package,
                                "--board", ceremony.board, "--share-out", tmp_path / "s.json",
                                "--out", tmp_path / "r.json")
    assert result.returncode == EXIT_CHECK_FAILED and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(tmp_path / "s.json") and not os.path.exists(tmp_path / "r.json")
