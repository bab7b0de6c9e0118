"""A reveal round through ``pledge-trustee decrypt``: three trustees open every live entry,
and each kind of bad round package (a bad opening, a round that breaks the per-lab rule, a bad
log or ciphertext) is refused with the entry or lab at fault named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crypto import log_leaves, reveal, seal
from crypto.formats import keys, roundfile
from crypto.opening import Opening, new_opening
from pledge_tools.exits import EXIT_CHECK_FAILED

from .builders import (
    PASSPHRASE,
    Ceremony,
    Log,
    Round,
    Signed,
    entry_leaf,
    issue_token,
    read_json,
    round_package,
    run,
    sign_pledge,
    write_json,
)


def _open_all(
    ceremony: Ceremony, partial_files: dict[int, Path], ciphertexts: dict[bytes, bytes]
) -> dict[bytes, bytes]:
    """What anyone does with the posted partials: verify each proof, combine, open."""
    by_entry: dict[int, dict[int, bytes]] = {}
    nullifiers: dict[int, bytes] = {}
    for j, path in partial_files.items():
        posted = roundfile.load_partials(path)
        assert (posted.ctx, posted.index) == (ceremony.ctx, j)
        for record in posted.partials:
            by_entry.setdefault(record.leaf_index, {})[j] = record.partial
            nullifiers[record.leaf_index] = record.nullifier
    return {
        nullifiers[i]: _open_entry(ceremony, nullifiers[i], ciphertexts[nullifiers[i]], ps)
        for i, ps in by_entry.items()
    }


def _open_entry(
    ceremony: Ceremony, nullifier: bytes, ciphertext: bytes, partials: dict[int, bytes]
) -> bytes:
    ad = ceremony.ctx + nullifier
    D = {j: reveal.verify_partial(j, ceremony.Yj[j], ciphertext[:32], ad, p)
         for j, p in partials.items()}
    return reveal.decrypt(ceremony.Y, ad, ciphertext, D)


def test_three_trustees_open_every_entry_but_the_withdrawn_one(ceremony, round_one) -> None:
    # When anyone combines the three trustees' partials
    ciphertexts = {e.nullifier: e.ciphertext for e in round_one.entries}
    opened = _open_all(ceremony, round_one.partials, ciphertexts)
    # Then every live entry opens to what its signer sealed, and the withdrawn one stays sealed
    assert opened == {e.nullifier: e.payload for e in round_one.entries}
    assert round_one.withdrawn.nullifier not in opened
    for path in round_one.partials.values():
        posted = roundfile.load_partials(path)
        assert posted.withdrawn == []  # a round lists only live entries
        assert (posted.head_size, posted.head_root) == (round_one.head.size, round_one.head.root)


def test_no_secret_is_printed(ceremony, round_one, passphrase, tmp_path, capsys) -> None:
    x_2 = keys.unlock_share(keys.load_share(ceremony.share_files[2]), PASSPHRASE.encode())
    assert run("decrypt", "--key", ceremony.key_files[2], "--share", ceremony.share_files[2],
               "--package", round_one.package, "--out", tmp_path / "p.json") == 0
    printed = capsys.readouterr()
    assert x_2.hex() not in printed.out + printed.err
    assert PASSPHRASE not in printed.out + printed.err


def test_the_trustee_is_told_the_per_lab_counts(ceremony, round_one, passphrase, tmp_path,
                                                capsys) -> None:
    assert run("decrypt", "--key", ceremony.key_files[4], "--share", ceremony.share_files[4],
               "--package", round_one.package, "--out", tmp_path / "p.json") == 0
    printed = capsys.readouterr().out
    assert "Checked 10 openings" in printed
    assert "Live entries at this head by lab (the public does not see these numbers; keep them " \
           "to yourself): Lab A 6, Lab B 4." in printed
    assert "Checked round 1: the threshold rule held at its head (10 live entries)" in printed


def _late_signers(c: Ceremony, r: Round, labs: list[str]) -> tuple[Log, list[Signed]]:
    """The round-1 log and, after its head, new signers at ``labs``."""
    log = r.log.copy()
    late = [sign_pledge(c, lab, f"Late {k}") for k, lab in enumerate(labs)]
    for entry in late:
        log.sign(entry)
    return log, late


def test_the_deadline_round_decrypts_only_its_entries(ceremony, round_one, passphrase,
                                                       tmp_path, capsys) -> None:
    # Given two late signers at lab-a and one at lab-b after the first round's head
    log, late = _late_signers(ceremony, round_one, ["lab-a", "lab-b", "lab-a"])
    listed = log.freeze(2)
    assert listed == [13, 15]  # lab-a's two; lab-b's one is below k = 2
    package = round_package(ceremony, log, tmp_path / "round2.json",
                            head=log.head(timestamp=1_900_003_600), previous=round_one.head)
    # When trustee 1 decrypts it, pinning the head it decrypted last time
    out = tmp_path / "partials.json"
    assert run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package, "--out", out, "--previous", round_one.partials[1]) == 0
    # Then only lab-a's late entries get partials, and the trustee saw the candidates by lab
    posted = roundfile.load_partials(out)
    assert [r.nullifier for r in posted.partials] == [late[0].nullifier, late[2].nullifier]
    assert "candidates by lab: Lab A 2, Lab B 1" in capsys.readouterr().out


def _round_one_with_a_waiting_entry(c: Ceremony, r: Round) -> tuple[Log, Signed]:
    """The round-1 log with one more signer, at lab-c, before the round froze: lab-c is below
    k, so its entry waits for the deadline round."""
    log = _before_the_event(r)
    waiting = sign_pledge(c, "lab-c", "Alone at C")
    log.sign(waiting)
    return log, waiting


def test_a_waiting_entry_is_left_out_of_round_one_then_revealed_with_its_lab_s_late_signer(
    ceremony, round_one, passphrase, tmp_path
) -> None:
    # Given round 1 frozen with lab-c's lone entry (leaf 12) left to wait
    log, waiting = _round_one_with_a_waiting_entry(ceremony, round_one)
    assert log.freeze(1) == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]
    first = log.head()
    package = round_package(ceremony, log, tmp_path / "round1.json", head=first)
    out1 = tmp_path / "partials1.json"
    assert run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package, "--out", out1) == 0
    assert 12 not in [r.leaf_index for r in roundfile.load_partials(out1).partials]
    # When a second lab-c signer comes after it and the deadline round freezes
    late = sign_pledge(ceremony, "lab-c", "Second at C")
    log.sign(late)
    assert log.freeze(2) == [12, 14]
    package2 = round_package(ceremony, log, tmp_path / "round2.json",
                             head=log.head(timestamp=1_900_003_600), previous=first)
    out2 = tmp_path / "partials2.json"
    assert run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package2, "--out", out2, "--previous", out1) == 0
    # Then the deadline round reveals both, the waiting entry from before round 1's head included
    posted = roundfile.load_partials(out2)
    assert [r.nullifier for r in posted.partials] == [waiting.nullifier, late.nullifier]


def round_one_includes_a_lab_below_k(c: Ceremony, r: Round, folder: Path) -> Path:
    log, _ = _round_one_with_a_waiting_entry(c, r)
    log.freeze(1, listed=[0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12])
    return round_package(c, log, folder / "round.json")


def opening_of_the_waiting_entry_missing(c: Ceremony, r: Round, folder: Path) -> Path:
    log, _ = _round_one_with_a_waiting_entry(c, r)
    log.freeze(1)
    del log.openings[12]
    return round_package(c, log, folder / "round.json")


# --- refusals -------------------------------------------------------------------------------

Tamper = Callable[[Ceremony, Round, Path], Path]


def _copy(r: Round) -> Log:
    return r.log.copy()


def bad_head_signature(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, r.log, folder / "round.json", head=r.log.head(seed=bytes(32)))


def root_mismatch(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, r.log, folder / "round.json", head=r.log.head(root=bytes(32)))


def ciphertext_not_its_leaf(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    log.ciphertexts[0], log.ciphertexts[1] = log.ciphertexts[1], log.ciphertexts[0]
    return round_package(c, log, folder / "round.json")


def ciphertext_of_an_entry_not_listed(c: Ceremony, r: Round, folder: Path) -> Path:
    log, late = _late_signers(c, r, ["lab-a", "lab-b", "lab-a"])
    log.freeze(2)
    path = round_package(c, log, folder / "round.json", head=log.head(timestamp=1_900_003_600),
                         previous=r.head)
    doc = read_json(path)
    doc["leaves"][14]["ciphertext"] = late[1].ciphertext.hex()  # lab-b's lone late entry
    path.unlink()
    return write_json(path, doc)


def duplicated_nullifier(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    first = r.entries[0]  # the same token again, a new ciphertext
    ciphertext = seal.seal(c.Y, c.ctx + first.nullifier, b"{}")
    log.add(entry_leaf(first.opening, ciphertext, bytes(32)), ciphertext, first.opening)
    return round_package(c, log, folder / "round.json")


def _with_copied_R(c: Ceremony, r: Round, folder: Path, source: Signed) -> Path:
    """The server mints an entry whose ciphertext reuses ``source``'s R (its own token), and
    freezes the round with it."""
    log = _before_the_event(r)
    prepared, sig = issue_token(c.token_keys["lab-a"], c.campaign_id, "lab-a")
    victim = sign_pledge(c, "lab-a", "Decoy")
    ciphertext = source.ciphertext[:32] + victim.ciphertext[32:]
    opening = new_opening("lab-a", prepared, sig)
    log.add(entry_leaf(opening, ciphertext, bytes(32)), ciphertext, opening)
    log.freeze(1)
    return round_package(c, log, folder / "round.json")


def R_copied_from_live_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    return _with_copied_R(c, r, folder, r.entries[2])


def R_copied_from_withdrawn_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    return _with_copied_R(c, r, folder, r.withdrawn)


def _minted(c: Ceremony, r: Round, folder: Path, opening: Opening) -> Path:
    """The server logs an entry of its own making with ``opening`` before the round freezes."""
    log = _before_the_event(r)
    ciphertext = seal.seal(c.Y, c.ctx + opening.nullifier, b"{}")
    log.add(entry_leaf(opening, ciphertext, bytes(32)), ciphertext, opening)
    log.freeze(1)
    return round_package(c, log, folder / "round.json")


def token_of_another_lab(c: Ceremony, r: Round, folder: Path) -> Path:
    """An entry committed to lab-a with a token lab-b issued (a lab-b signer counted at lab-a)."""
    prepared, sig = issue_token(c.token_keys["lab-b"], c.campaign_id, "lab-b")
    return _minted(c, r, folder, new_opening("lab-a", prepared, sig))


def forged_token(c: Ceremony, r: Round, folder: Path) -> Path:
    """A lab-a token message signed with lab-b's key."""
    prepared, sig = issue_token(c.token_keys["lab-b"], c.campaign_id, "lab-a")
    return _minted(c, r, folder, new_opening("lab-a", prepared, sig))


def _opening_replaced(c: Ceremony, r: Round, folder: Path, index: int, opening: Opening) -> Path:
    openings = {i: r.log.openings[i] for i in r.log.live()}
    openings[index] = opening
    return round_package(c, r.log, folder / "round.json", openings=openings)


def opening_names_another_lab(c: Ceremony, r: Round, folder: Path) -> Path:
    """Leaf 0 (lab-a) opened as if it were lab-b's: the package moves a signer to another lab."""
    honest = r.log.openings[0]
    return _opening_replaced(c, r, folder, 0, Opening("lab-b", honest.prepared_message,
                                                       honest.token_signature, honest.nonce))


def opening_with_another_lab_s_token(c: Ceremony, r: Round, folder: Path) -> Path:
    """Leaf 0 (lab-a) opened with the token of leaf 3 (lab-b), under leaf 0's nonce."""
    other = r.log.openings[3]
    return _opening_replaced(c, r, folder, 0, Opening("lab-b", other.prepared_message,
                                                       other.token_signature, r.log.openings[0].nonce))


def opening_nonce_changed(c: Ceremony, r: Round, folder: Path) -> Path:
    honest = r.log.openings[5]
    nonce = bytes([honest.nonce[0] ^ 1]) + honest.nonce[1:]
    return _opening_replaced(c, r, folder, 5, Opening(honest.slug, honest.prepared_message,
                                                       honest.token_signature, nonce))


def opening_missing(c: Ceremony, r: Round, folder: Path) -> Path:
    openings = {i: r.log.openings[i] for i in r.log.live() if i != 7}
    return round_package(c, r.log, folder / "round.json", openings=openings)


def opening_of_a_withdrawn_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    openings = {i: r.log.openings[i] for i in r.log.live()}
    openings[4] = r.withdrawn.opening
    return round_package(c, r.log, folder / "round.json", openings=openings)


def opening_on_a_withdrawal_leaf(c: Ceremony, r: Round, folder: Path) -> Path:
    openings = {i: r.log.openings[i] for i in r.log.live()}
    openings[11] = r.entries[0].opening
    return round_package(c, r.log, folder / "round.json", openings=openings)


def below_threshold(c: Ceremony, r: Round, folder: Path) -> Path:
    log = Log()
    for entry in r.entries[:3]:
        log.sign(entry)
    log.freeze(1)
    return round_package(c, log, folder / "round.json")


def forked_previous_head(c: Ceremony, r: Round, folder: Path) -> Path:
    fork = _copy(r)
    fork.leaves[0] = r.entries[9].leaf  # a history the log signed once and then rewrote
    return round_package(c, r.log, folder / "round.json", previous=fork.head(size=6))


def _before_the_event(r: Round) -> Log:
    log = r.log.copy()
    del log.leaves[12:], log.ciphertexts[12:]
    return log


def no_frozen_event(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, _before_the_event(r), folder / "round.json")


def _frozen_with(r: Round, listed: list[int]) -> Log:
    log = _before_the_event(r)
    log.freeze(1, listed=listed)
    return log


def frozen_event_leaves_an_entry_out(c: Ceremony, r: Round, folder: Path) -> Path:
    lab_a = [i for i in r.log.live() if r.log.openings[i].slug == "lab-a"]
    lab_b = [i for i in r.log.live() if r.log.openings[i].slug == "lab-b"]
    return round_package(c, _frozen_with(r, sorted(lab_a[1:] + lab_b)), folder / "round.json")


def round_omits_a_lab_at_k(c: Ceremony, r: Round, folder: Path) -> Path:
    lab_a = [i for i in r.log.live() if r.log.openings[i].slug == "lab-a"]
    return round_package(c, _frozen_with(r, lab_a), folder / "round.json")


def _deadline_round(c: Ceremony, r: Round, folder: Path, listed: list[int]) -> Path:
    log, _ = _late_signers(c, r, ["lab-a", "lab-b", "lab-a"])
    log.freeze(2, listed=listed)
    return round_package(c, log, folder / "round.json", head=log.head(timestamp=1_900_003_600),
                         previous=r.head)


def round_includes_a_lab_below_k(c: Ceremony, r: Round, folder: Path) -> Path:
    return _deadline_round(c, r, folder, [13, 14, 15])  # lab-b's lone late signer at 14


def deadline_round_omits_a_lab_at_k(c: Ceremony, r: Round, folder: Path) -> Path:
    return _deadline_round(c, r, folder, [13])


def deadline_round_lists_a_revealed_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    return _deadline_round(c, r, folder, [0, 13, 15])


def log_key_not_the_manifest_s(c: Ceremony, r: Round, folder: Path) -> Path:
    """A log re-signed with another key: every head verifies under it, but it is not the manifest's."""
    log = r.log.copy()
    log.seed = bytes(range(32))
    return round_package(c, log, folder / "round.json")


def entry_after_the_frozen_event(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    late = sign_pledge(c, "lab-b", "After the freeze")
    log.add(late.leaf, None)
    return round_package(c, log, folder / "round.json")


def entry_after_a_deadline_event(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    log.add(log_leaves.encode_leaf(log_leaves.EventLeaf("signing-ended")))
    log.add(sign_pledge(c, "lab-b", "Too late").leaf, None)
    return round_package(c, log, folder / "round.json")


@pytest.mark.parametrize("tamper, message", [
    (log_key_not_the_manifest_s, "the log's public key is not the manifest's log_key"),
    (entry_after_the_frozen_event, "leaf 13: an entry or withdrawal after the round-frozen event at leaf 12"),
    (entry_after_a_deadline_event, "leaf 14: an entry or withdrawal after the deadline event at leaf 13"),
    (no_frozen_event, "no round-frozen event after the previous round's head"),
    (opening_names_another_lab, "leaf 0: the opening does not match the entry's lab commitment"),
    (opening_with_another_lab_s_token, "leaf 0: the opening does not match the entry's lab commitment"),
    (opening_nonce_changed, "leaf 5: the opening does not match the entry's lab commitment"),
    (token_of_another_lab, "leaf 12: the opening names lab 'lab-a' but its token is for lab 'lab-b'"),
    (forged_token, "leaf 12: the opening's token signature does not verify under lab 'lab-a''s key"),
    (opening_on_a_withdrawal_leaf, "leaf 11: the package holds an opening for it, but it is not an entry"),
    (opening_missing, "leaf 7: the opening of this live entry is missing from the package"),
    (opening_of_a_withdrawn_entry, "leaf 4: the package holds an opening for this entry, but it is "
                                   "withdrawn (at leaf 11)"),
    (frozen_event_leaves_an_entry_out, "the round-frozen event at leaf 12: round 1 leaves out lab 'lab-a': "
                                       "it has 6 entries to reveal (at least k = 2) but the round lists 5"),
    (round_omits_a_lab_at_k, "the round-frozen event at leaf 12: round 1 leaves out lab 'lab-b': it has 4 "
                             "entries to reveal (at least k = 2) but the round lists 0"),
    (round_one_includes_a_lab_below_k, "the round-frozen event at leaf 13: round 1 reveals lab 'lab-c' with 1 of "
                                       "its 1 entry, fewer than k = 2"),
    (opening_of_the_waiting_entry_missing, "leaf 12: the opening of this live entry is missing from the package"),
    (round_includes_a_lab_below_k, "the round-frozen event at leaf 16: round 2 reveals lab 'lab-b' with 1 of "
                                   "its 1 entry, fewer than k = 2"),
    (deadline_round_omits_a_lab_at_k, "round 2 leaves out lab 'lab-a': it has 2 entries to reveal"),
    (deadline_round_lists_a_revealed_entry, "round 2 lists leaf 0, which is not an entry it may reveal"),
    (bad_head_signature, "the tree head signature does not verify under the log's public key"),
    (root_mismatch, "the Merkle root of the 13 leaves does not match the signed tree head"),
    (ciphertext_not_its_leaf, "leaf 0: the ciphertext does not match the leaf's ciphertext_sha256"),
    (ciphertext_of_an_entry_not_listed, "leaf 14: carries a ciphertext, but round 2 does not list it"),
    (duplicated_nullifier, "leaf 13: the nullifier repeats leaf 0"),
    (R_copied_from_live_entry, "leaf 12: the ciphertext's R repeats leaf 2"),
    (R_copied_from_withdrawn_entry, "leaf 12: the ciphertext's proof does not verify"),
    (below_threshold, "round 1 was not due at this head (the threshold rule with k = 2: 3 live entries "
                      "(min_total 6); 1 lab reaches min_per_lab 2 (min_labs 2); by lab: Lab A 3)"),
    (forked_previous_head, "the consistency proof from the previous head (size 6) to this head "
                           "(size 13) does not verify"),
])
def test_a_bad_round_is_refused(ceremony, round_one, passphrase, tmp_path, capsys,
                                tamper: Tamper, message: str) -> None:
    package = tamper(ceremony, round_one, tmp_path)
    out = tmp_path / "partials.json"
    code = run("decrypt", "--key", ceremony.key_files[2], "--share", ceremony.share_files[2],
               "--package", package, "--out", out)
    err = capsys.readouterr().err
    assert code == EXIT_CHECK_FAILED, err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_each_trustee_cosigns_the_round_head_in_its_partials(ceremony, round_one) -> None:
    # Given the partials of round one, each carries its trustee's cosignature of the round's head
    from crypto import merkle

    head = round_one.head
    keys_by_index = {t["index"]: bytes.fromhex(t["ed25519"]) for t in ceremony.manifest["trustees"]}
    for j, path in round_one.partials.items():
        posted = roundfile.load_partials(path)
        merkle.verify_cosignature(keys_by_index[j], ceremony.campaign_id, head.size, head.timestamp, head.root,
                                  posted.cosignature)


@pytest.mark.parametrize("edit, message", [
    (lambda doc: doc.pop("openings"), "missing field openings"),
    (lambda doc: doc["openings"][0].update(index=13), "openings must be listed by increasing leaf index, "
                                                      "each below the head's size (13)"),
    (lambda doc: doc["openings"][1]["opening"].update(nonce="AB" * 32), "field opening: opening field nonce "
                                                                        "must be lowercase hex"),
    (lambda doc: doc["openings"][2].update(extra=1), "unknown field extra"),
])
def test_the_openings_of_a_round_package_are_read_strictly(ceremony, round_one, passphrase, tmp_path,
                                                           capsys, edit, message) -> None:
    doc = read_json(round_one.package)
    edit(doc)
    package = write_json(tmp_path / "round.json", doc)
    out = tmp_path / "partials.json"
    code = run("decrypt", "--key", ceremony.key_files[2], "--share", ceremony.share_files[2],
               "--package", package, "--out", out)
    err = capsys.readouterr().err
    assert code == EXIT_CHECK_FAILED, err
    assert message in err
    assert not out.exists()


def _revealed_then_late(c: Ceremony, r: Round, statement_seed: bytes | None = None,
                        reveal: bool = True) -> tuple[Log, list[Signed]]:
    """Round 1 revealed (its event in a later batch), then a revealed signer's statement and a
    condition leaf, then late signers at lab-a, lab-b and lab-a; the deadline round frozen."""
    log = r.log.copy()
    if reveal:
        log.add(log_leaves.encode_leaf(log_leaves.EventLeaf("round-revealed", round=1, digest=b"\x05" * 32)))
    signer = r.entries[0]
    seed = signer.withdrawal_seed if statement_seed is None else statement_seed
    log.add(log_leaves.encode_leaf(log_leaves.StatementLeaf(
        signer.nullifier, 0, "withholding", log_leaves.sign_statement(seed, signer.nullifier, 0, "withholding"))))
    log.add(log_leaves.encode_leaf(log_leaves.ConditionLeaf(1, "lab-a", "not-met", "2030-03-01", "", "")))
    late = [sign_pledge(c, lab, f"Late {k}") for k, lab in enumerate(["lab-a", "lab-b", "lab-a"])]
    for entry in late:
        log.sign(entry)
    log.freeze(2)
    return log, late


def test_a_deadline_round_after_statements_and_condition_leaves_decrypts(
        ceremony, round_one, passphrase, tmp_path) -> None:
    # Given round 1 revealed, a statement by one of its signers and a condition leaf before the
    # deadline round froze
    log, late = _revealed_then_late(ceremony, round_one)
    package = round_package(ceremony, log, tmp_path / "round2.json",
                            head=log.head(timestamp=1_900_003_600), previous=round_one.head)
    out = tmp_path / "partials.json"
    # When trustee 1 decrypts it, then the statement and the condition leaf are accepted
    assert run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package, "--out", out, "--previous", round_one.partials[1]) == 0
    assert [p.nullifier for p in roundfile.load_partials(out).partials] == [late[0].nullifier, late[2].nullifier]


@pytest.mark.parametrize("forged, reveal, message", [
    (True, True, "leaf 14: statement signature does not verify under the withdrawal key of leaf 0"),
    (False, False, "leaf 13: a statement before round 1 is revealed"),
])
def test_a_deadline_round_with_a_bad_statement_is_refused(
        ceremony, round_one, passphrase, tmp_path, capsys, forged, reveal, message) -> None:
    seed = round_one.entries[1].withdrawal_seed if forged else None
    log, _ = _revealed_then_late(ceremony, round_one, seed, reveal)
    package = round_package(ceremony, log, tmp_path / "round2.json",
                            head=log.head(timestamp=1_900_003_600), previous=round_one.head)
    code = run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package, "--out", tmp_path / "p.json", "--previous", round_one.partials[1])
    err = capsys.readouterr().err
    assert code == 1 and message in err, err
