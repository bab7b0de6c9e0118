"""The key ceremony through ``pledge-trustee``: a clean 3-of-5 run, and what it refuses."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from crypto import dkg
from crypto.errors import Complaint
from crypto.formats import files, keys, messages
from crypto.formats.errors import FormatError
from crypto.hashing import WIRE_VERSION
from pledge_tools.exits import (
    EXIT_CHECK_FAILED,
    EXIT_FILE_PROBLEM,
    EXIT_NOT_DONE,
    EXIT_REFUSED,
)

from .builders import PASSPHRASE, Ceremony, read_json, run, write_json


def test_every_trustee_signs_the_same_transcript(ceremony: Ceremony) -> None:
    # Given the board as every trustee saw it
    commitments = {i: d.commitments for i, d in ceremony.deals.items()}
    transcript = dkg.transcript(ceremony.ctx, commitments)
    trustees = {t["index"]: t for t in ceremony.manifest["trustees"]}
    # Then all five transcript signatures cover that transcript and verify
    for i, path in ceremony.signature_files.items():
        statement = files.load_signed_statement(path, "transcript-signature")
        assert statement.transcript == transcript
        assert (statement.ctx, statement.index) == (ceremony.ctx, i)
        messages.verify(bytes.fromhex(trustees[i]["ed25519"]),
                       messages.transcript_message(ceremony.ctx, i, transcript), statement.signature)
    # And every share file agrees with the keys anyone recomputes from the board
    for i, path in ceremony.share_files.items():
        share = keys.load_share(path)
        assert (share.Y, share.Yj, share.transcript) == (ceremony.Y, ceremony.Yj[i], transcript)


def test_secret_files_are_private_and_public_files_are_plain(ceremony: Ceremony) -> None:
    for path in [*ceremony.key_files.values(), *ceremony.share_files.values()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    name, ed, x = keys.load_public(Path(f"{ceremony.key_files[1]}.pub.json"))
    key = keys.load_key(ceremony.key_files[1])
    assert (name, ed, x) == ("Trustee 1", key.ed25519, key.x25519)
    box = read_json(ceremony.key_files[1])["box"]
    assert box["kdf"] == "argon2id13" and box["memlimit"] == 64 * 2**20  # --kdf interactive
    assert read_json(ceremony.share_files[1])["box"]["opslimit"] == 2


def test_a_wrong_passphrase_opens_nothing(ceremony, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", "not the right passphrase")
    out = tmp_path / "deal.json"
    assert run("deal", "--key", ceremony.key_files[1], "--package", ceremony.package,
               "--out", out) == EXIT_REFUSED
    assert f"cannot unlock {ceremony.key_files[1]}: wrong passphrase" in capsys.readouterr().err
    assert not out.exists()


def test_init_never_overwrites_a_key_file(ceremony, passphrase, capsys) -> None:
    key = ceremony.key_files[2]
    before = key.read_bytes()
    assert run("init", "--name", "Mallory", "--out", key) == EXIT_FILE_PROBLEM
    assert f"{key} already exists; refusing to overwrite it" in capsys.readouterr().err
    assert key.read_bytes() == before


def test_a_key_outside_the_manifest_is_refused(ceremony, passphrase, tmp_path, capsys) -> None:
    stranger = tmp_path / "stranger.json"
    assert run("init", "--name", "Stranger", "--out", stranger, "--kdf", "interactive") == 0
    capsys.readouterr()
    assert run("deal", "--key", stranger, "--package", ceremony.package,
               "--out", tmp_path / "deal.json") == EXIT_CHECK_FAILED
    assert "are not among the trustees of the manifest" in capsys.readouterr().err


def test_an_altered_manifest_is_refused(ceremony, passphrase, tmp_path, capsys) -> None:
    doc = read_json(ceremony.package)
    doc["manifest"]["rule"]["min_total"] = 1  # a server lowering the threshold
    package = write_json(tmp_path / "ceremony.json", doc)
    assert run("deal", "--key", ceremony.key_files[1], "--package", package,
               "--out", tmp_path / "deal.json") == EXIT_CHECK_FAILED
    assert "ctx does not match the manifest" in capsys.readouterr().err


def _dishonest_share(ceremony: Ceremony, board: dict) -> None:
    """Trustee 2 deals trustee 1 a share off its polynomial (signature still valid)."""
    secrets = keys.unlock_key(keys.load_key(ceremony.key_files[2]), PASSPHRASE.encode())
    recipient = bytes.fromhex(ceremony.manifest["trustees"][0]["x25519"])
    wrong = dkg.encrypt_share(ceremony.ctx, 2, 1, (7).to_bytes(32, "little"),
                              secrets.x25519_secret, recipient, bytes(24))
    deal = board["deals"][1]
    deal["encrypted_shares"]["1"] = wrong.hex()
    signed = dkg.deal_from_dict(deal)  # trustee 2 signs the deal it posts
    digest = dkg.deal_digest(ceremony.ctx, signed.commitments, signed.pop_r, signed.pop_z,
                             signed.encrypted_shares)
    deal["signature"] = messages.sign(secrets.signing_seed, digest).hex()


def _altered_proof(ceremony: Ceremony, board: dict) -> None:
    """Someone alters trustee 2's proof of possession on the board."""
    board["deals"][1]["pop_z"] = (5).to_bytes(32, "little").hex()


def test_a_bad_deal_gets_a_signed_complaint(ceremony, passphrase, tmp_path, capsys) -> None:
    reason = Complaint.FELDMAN
    # Given a board on which trustee 2's deal is bad for trustee 1
    board = read_json(ceremony.board)
    _dishonest_share(ceremony, board)
    board_path = write_json(tmp_path / "board.json", board)
    share, out = tmp_path / "share.json", tmp_path / "complaint.json"
    # When trustee 1 finishes the ceremony
    code = run("finish", "--key", ceremony.key_files[1], "--package", ceremony.package,
               "--board", board_path, "--share-out", share, "--out", out, "--kdf", "interactive")
    # Then it stores no share and files a signed complaint naming trustee 2 and the reason
    assert code == EXIT_NOT_DONE
    assert f"complaint filed against trustee 2 ({reason.value})" in capsys.readouterr().err
    assert not share.exists()
    ctx, index, accusations = files.load_complaint(out)
    assert (ctx, index) == (ceremony.ctx, 1)
    assert [(a.accused, a.reason) for a in accusations] == [(2, reason.value)]
    ed25519 = keys.load_key(ceremony.key_files[1]).ed25519
    messages.verify(ed25519, messages.complaint_message(ctx, 1, 2, reason.value),
                   accusations[0].signature)
    assert json.loads(out.read_bytes())["kind"] == "complaint"


def test_a_deal_failing_a_public_check_stops_finish_without_a_complaint(
    ceremony, passphrase, tmp_path, capsys
) -> None:
    # Given a board the server altered: trustee 2's proof no longer matches its signature
    board = read_json(ceremony.board)
    _altered_proof(ceremony, board)
    board_path = write_json(tmp_path / "board.json", board)
    share, out = tmp_path / "share.json", tmp_path / "complaint.json"
    # When trustee 1 finishes the ceremony
    code = run("finish", "--key", ceremony.key_files[1], "--package", ceremony.package,
               "--board", board_path, "--share-out", share, "--out", out, "--kdf", "interactive")
    # Then it files nothing (the server checks this in public) and says the server misbehaves
    assert code == EXIT_CHECK_FAILED
    err = capsys.readouterr().err
    assert ("the server served a deal that fails a public check: trustee 2's deal "
            "(bad-signature)") in err
    assert "the server is misbehaving" in err and "tell the organizer" in err
    assert not share.exists() and not out.exists()


def test_uploads_parse_from_bytes_like_files(ceremony: Ceremony) -> None:
    data = ceremony.deal_files[3].read_bytes()
    upload = files.parse_document(data, "the uploaded file", {"deal", "complaint"})
    assert files.parse_deal(upload) == files.load_deal(ceremony.deal_files[3])


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(extra=1), "the uploaded file: unknown field extra"),
    (lambda d: d.update(ctx=d["ctx"].upper()),
     "the uploaded file: field ctx must be lowercase hex"),
    (lambda d: d.update(v=True), f"the uploaded file: field v must be {WIRE_VERSION}"),
    (lambda d: d.update(kind="board"), "the uploaded file is not a deal file (kind is 'board')"),
])
def test_uploads_are_read_strictly(ceremony: Ceremony, mutate, message: str) -> None:
    doc = read_json(ceremony.deal_files[1])
    mutate(doc)
    with pytest.raises(FormatError) as refused:
        files.parse_deal(files.parse_document(json.dumps(doc).encode(), "the uploaded file",
                                              "deal"))
    assert str(refused.value) == message


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(FormatError, match="duplicate key 'v'"):
        files.parse_document(b'{"v": 2, "v": 2, "kind": "deal"}', "upload", "deal")
