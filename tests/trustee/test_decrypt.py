"""A reveal round through ``pledge-trustee decrypt``: three trustees open every live entry,
and each kind of bad round package is refused with the entry at fault named."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from crypto import log_leaves, reveal, seal
from crypto.formats import keys, roundfile
from pledge_tools.exits import EXIT_CHECK_FAILED

from .builders import (
    PASSPHRASE,
    Ceremony,
    Log,
    Round,
    Signed,
    entry_leaf,
    issue_token,
    round_package,
    run,
    sign_pledge,
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
        assert posted.withdrawn == [4]
        assert (posted.head_size, posted.head_root) == (round_one.head.size, round_one.head.root)


def test_no_secret_is_printed(ceremony, round_one, passphrase, tmp_path, capsys) -> None:
    x_2 = keys.unlock_share(keys.load_share(ceremony.share_files[2]), PASSPHRASE.encode())
    assert run("decrypt", "--key", ceremony.key_files[2], "--share", ceremony.share_files[2],
               "--package", round_one.package, "--out", tmp_path / "p.json") == 0
    printed = capsys.readouterr()
    assert x_2.hex() not in printed.out + printed.err
    assert PASSPHRASE not in printed.out + printed.err


def test_a_second_round_decrypts_only_its_new_entries(ceremony, round_one, passphrase,
                                                      tmp_path) -> None:
    # Given two more signatures published after the first round's head
    log = Log(list(round_one.log.leaves), list(round_one.log.ciphertexts), round_one.log.seed)
    late = [sign_pledge(ceremony, "lab-b", f"Late {k}") for k in range(2)]
    for entry in late:
        log.add(entry.leaf, entry.ciphertext)
    log.freeze(2, start=round_one.head.size)
    package = round_package(ceremony, log, tmp_path / "round2.json",
                            head=log.head(timestamp=1_900_003_600), previous=round_one.head)
    # When trustee 1 decrypts it, pinning the head it decrypted last time
    out = tmp_path / "partials.json"
    assert run("decrypt", "--key", ceremony.key_files[1], "--share", ceremony.share_files[1],
               "--package", package, "--out", out, "--previous", round_one.partials[1]) == 0
    # Then only the new entries get partials
    posted = roundfile.load_partials(out)
    assert [r.nullifier for r in posted.partials] == [e.nullifier for e in late]


# --- refusals -------------------------------------------------------------------------------

Tamper = Callable[[Ceremony, Round, Path], Path]


def _copy(r: Round) -> Log:
    return Log(list(r.log.leaves), list(r.log.ciphertexts), r.log.seed)


def bad_head_signature(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, r.log, folder / "round.json", head=r.log.head(seed=bytes(32)))


def root_mismatch(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, r.log, folder / "round.json", head=r.log.head(root=bytes(32)))


def ciphertext_not_its_leaf(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    log.ciphertexts[0], log.ciphertexts[1] = log.ciphertexts[1], log.ciphertexts[0]
    return round_package(c, log, folder / "round.json")


def duplicated_nullifier(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    first = log_leaves.parse_leaf(r.entries[0].leaf)  # the same token again, a new ciphertext
    assert isinstance(first, log_leaves.EntryLeaf)
    ciphertext = seal.seal(c.Y, c.ctx + first.nullifier, b"{}")
    log.add(entry_leaf(first.lab, first.token_message, first.token_signature, ciphertext,
                       bytes(32)), ciphertext)
    return round_package(c, log, folder / "round.json")


def _with_copied_R(c: Ceremony, r: Round, folder: Path, source: Signed) -> Path:
    """The server mints an entry whose ciphertext reuses ``source``'s R (its own token), and
    freezes the round with it."""
    log = _before_the_event(r)
    prepared, sig = issue_token(c.token_keys["lab-a"], c.campaign_id, "lab-a")
    victim = sign_pledge(c, "lab-a", "Decoy")
    ciphertext = source.ciphertext[:32] + victim.ciphertext[32:]
    log.add(entry_leaf("lab-a", prepared, sig, ciphertext, bytes(32)), ciphertext)
    log.freeze(1)
    return round_package(c, log, folder / "round.json")


def R_copied_from_live_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    return _with_copied_R(c, r, folder, r.entries[2])


def R_copied_from_withdrawn_entry(c: Ceremony, r: Round, folder: Path) -> Path:
    return _with_copied_R(c, r, folder, r.withdrawn)


def forged_token(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _copy(r)
    prepared, sig = issue_token(c.token_keys["lab-b"], c.campaign_id, "lab-b")
    ciphertext = seal.seal(c.Y, c.ctx + hashlib.sha256(b"x").digest(), b"{}")
    log.add(entry_leaf("lab-a", prepared, sig, ciphertext, bytes(32)), ciphertext)
    return round_package(c, log, folder / "round.json")


def below_threshold(c: Ceremony, r: Round, folder: Path) -> Path:
    log = Log()
    for entry in r.entries[:3]:
        log.add(entry.leaf, entry.ciphertext)
    return round_package(c, log, folder / "round.json")


def forked_previous_head(c: Ceremony, r: Round, folder: Path) -> Path:
    fork = _copy(r)
    fork.leaves[0] = r.entries[9].leaf  # a history the log signed once and then rewrote
    return round_package(c, r.log, folder / "round.json", previous=fork.head(size=6))


def _before_the_event(r: Round) -> Log:
    return Log(list(r.log.leaves[:12]), list(r.log.ciphertexts[:12]), r.log.seed)


def no_frozen_event(c: Ceremony, r: Round, folder: Path) -> Path:
    return round_package(c, _before_the_event(r), folder / "round.json")


def frozen_event_leaves_an_entry_out(c: Ceremony, r: Round, folder: Path) -> Path:
    log = _before_the_event(r)
    listed = [i for i, leaf in enumerate(log.leaves)
              if isinstance(log_leaves.parse_leaf(leaf), log_leaves.EntryLeaf) and log.ciphertexts[i] is not None]
    log.add(log_leaves.encode_leaf(log_leaves.EventLeaf("round-frozen", round=1, leaves=tuple(listed[1:]))))
    return round_package(c, log, folder / "round.json")


def log_key_not_the_manifest_s(c: Ceremony, r: Round, folder: Path) -> Path:
    """A log re-signed with another key: every head verifies under it, but it is not the manifest's."""
    return round_package(c, Log(list(r.log.leaves), list(r.log.ciphertexts), bytes(range(32))), folder / "round.json")


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
    (frozen_event_leaves_an_entry_out, "the round-frozen event at leaf 12 does not list exactly the live entries "
                                       "of round 1 (leaf 0 differs)"),
    (bad_head_signature, "the tree head signature does not verify under the log's public key"),
    (root_mismatch, "the Merkle root of the 13 leaves does not match the signed tree head"),
    (ciphertext_not_its_leaf, "leaf 0: the ciphertext does not match the leaf's ciphertext_sha256"),
    (duplicated_nullifier, "leaf 13: the nullifier repeats leaf 0"),
    (R_copied_from_live_entry, "leaf 12: the ciphertext's R repeats leaf 2"),
    (R_copied_from_withdrawn_entry, "leaf 12: the ciphertext's proof does not verify"),
    (forged_token, "leaf 13: the token signature does not verify under lab lab-a's key"),
    (below_threshold, "does not meet the threshold rule (3 of 6 entries"),
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
