"""``pledge-trustee destroy`` at an expiry: given the openings package, the trustee checks every
opening and that round 1 was owed at no head before the deadline event, and only then destroys
its share and signs the confirmation; otherwise it refuses, naming the head and labs or the
entry, and keeps the share."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crypto import log_leaves
from crypto.formats import files, messages, roundfile
from crypto.opening import Opening
from pledge_tools.exits import EXIT_CHECK_FAILED

from .builders import (
    Ceremony,
    Log,
    Signed,
    openings_package,
    read_json,
    run,
    sign_pledge,
    withdrawal,
    write_json,
)

DEADLINE = 1_893_456_000  # the manifest's deadline, 2030-01-01T00:00:00Z
HOUR = 3600

Batch = list[Signed | tuple[str, Signed]]


def _expired_log(c: Ceremony, batches: list[Batch]) -> tuple[Log, list[Signed]]:
    """A log whose batches (before the deadline, one an hour) hold signers and ``("withdraw",
    signer)`` steps, then the deadline batch with the expired event."""
    log, signers = Log(), []
    for n, batch in enumerate(batches):
        for step in batch:
            if isinstance(step, tuple):
                log.add(withdrawal(step[1]))
            else:
                log.sign(step, ciphertext=False)  # ciphertexts are deleted at the expiry
                signers.append(step)
        log.publish(DEADLINE - (len(batches) - n) * HOUR)
    log.add(log_leaves.encode_leaf(log_leaves.EventLeaf("expired")))
    log.publish(DEADLINE)
    return log, signers


def _signers(c: Ceremony, *labs: str) -> list[Signed]:
    return [sign_pledge(c, lab, f"Signer at {lab}") for lab in labs]


@pytest.fixture(scope="module")
def below_the_rule(ceremony: Ceremony) -> Log:
    """An honest expiry: 3 then 5 live entries (one withdrawn), never the rule (6 entries, 2
    labs with 2 each)."""
    first = _signers(ceremony, "lab-a", "lab-a", "lab-b")
    second = _signers(ceremony, "lab-a", "lab-a", "lab-b")
    log, _ = _expired_log(ceremony, [first, [*second, ("withdraw", first[2])]])
    return log


@pytest.fixture(scope="module")
def rule_held(ceremony: Ceremony) -> Log:
    """The rule held at the head of batch 2 (lab-a 4, lab-b 2); two lab-b withdrawals in batch 3
    bring it back below before the deadline, and the server let the campaign expire."""
    first = _signers(ceremony, "lab-a", "lab-a", "lab-b")
    second = _signers(ceremony, "lab-a", "lab-a", "lab-b")
    log, _ = _expired_log(ceremony, [first, second,
                                     [("withdraw", first[2]), ("withdraw", second[2])]])
    return log


def _destroy(c: Ceremony, j: int, package: Path, folder: Path) -> tuple[int, Path, Path]:
    share = folder / f"share{j}.json"
    shutil.copy(c.share_files[j], share)
    out = folder / "destroyed.json"
    code = run("destroy", "--share", share, "--key", c.key_files[j], "--package", package,
               "--out", out)
    return code, share, out


def test_an_honest_expiry_is_checked_then_confirmed(ceremony, below_the_rule, passphrase,
                                                     tmp_path, capsys) -> None:
    # Given the openings package of an expiry where the rule never held
    package = openings_package(ceremony, below_the_rule, tmp_path / "openings.json")
    # When trustee 2 destroys its share with it
    code, share, out = _destroy(ceremony, 2, package, tmp_path)
    printed = capsys.readouterr().out
    # Then it checked every head and opening, was told the counts, and confirmed
    assert code == 0, printed
    assert "Checked 3 signed heads" in printed
    assert "Checked the openings of all 6 entries (1 withdrawn)" in printed
    assert ("Checked the 2 heads before the deadline event: round 1 was due at none of them. "
            "Live entries by lab at the last (keep these to yourself): Lab A 4, Lab B 1.") in printed
    assert not share.exists()
    statement = files.load_signed_statement(out, "destroy-confirmation")
    assert (statement.ctx, statement.index) == (ceremony.ctx, 2)
    ed25519 = bytes.fromhex(ceremony.manifest["trustees"][1]["ed25519"])
    messages.verify(ed25519, messages.destroy_message(ceremony.ctx, 2), statement.signature)


def test_the_package_format_is_strict(ceremony, below_the_rule, tmp_path) -> None:
    package = openings_package(ceremony, below_the_rule, tmp_path / "openings.json")
    parsed = roundfile.load_openings(package)
    assert [h.size for h in parsed.heads] == [3, 7, 8]
    assert sorted(parsed.openings) == [0, 1, 2, 3, 4, 5]
    doc = read_json(package)
    doc["openings"][0]["opening"]["extra"] = "00"
    bad = write_json(tmp_path / "extra.json", doc)
    with pytest.raises(Exception, match=r"openings\[0\]: field opening: an opening is an object"):
        roundfile.load_openings(bad)
    doc = read_json(package)
    doc["openings"].reverse()
    bad = write_json(tmp_path / "order.json", doc)
    with pytest.raises(Exception, match="openings must be listed by increasing leaf index"):
        roundfile.load_openings(bad)


# --- refusals -------------------------------------------------------------------------------

Tamper = Callable[[Ceremony, Log, Path], Path]


def as_served(c: Ceremony, log: Log, folder: Path) -> Path:
    return openings_package(c, log, folder / "openings.json")


def _with_opening(c: Ceremony, log: Log, folder: Path, index: int, opening: Opening | None) -> Path:
    openings = dict(log.openings)
    if opening is None:
        del openings[index]
    else:
        openings[index] = opening
    return openings_package(c, log, folder / "openings.json", openings=openings)


def withdrawn_opening_missing(c: Ceremony, log: Log, folder: Path) -> Path:
    return _with_opening(c, log, folder, 2, None)


def opening_moved_to_another_lab(c: Ceremony, log: Log, folder: Path) -> Path:
    """The lab-b entry at leaf 5 opened as lab-a's (so lab-b would look below min_per_lab)."""
    honest = log.openings[5]
    return _with_opening(c, log, folder, 5, Opening("lab-a", honest.prepared_message,
                                                    honest.token_signature, honest.nonce))


def opening_nonce_changed(c: Ceremony, log: Log, folder: Path) -> Path:
    honest = log.openings[1]
    return _with_opening(c, log, folder, 1, Opening(honest.slug, honest.prepared_message,
                                                    honest.token_signature, bytes(32)))


def head_root_not_the_leaves(c: Ceremony, log: Log, folder: Path) -> Path:
    forged = log.copy()
    head = forged.heads[0]
    forged.heads[0] = forged.head(head.size, head.timestamp, root=bytes(32))
    return as_served(c, forged, folder)


def head_signed_by_another_key(c: Ceremony, log: Log, folder: Path) -> Path:
    forged = log.copy()
    head = forged.heads[1]
    forged.heads[1] = forged.head(head.size, head.timestamp, seed=bytes(32))
    return as_served(c, forged, folder)


def not_expired_yet(c: Ceremony, log: Log, folder: Path) -> Path:
    cut = log.copy()
    del cut.leaves[-1], cut.ciphertexts[-1], cut.heads[-1]
    return as_served(c, cut, folder)


@pytest.mark.parametrize("log_name, tamper, message", [
    ("rule_held", as_served,
     "openings package: the threshold rule held at the head of batch 2 (size 6) with k = 2: labs "
     "lab-a, lab-b reached min_per_lab (6 live entries (min_total 6); 2 labs reach min_per_lab 2 "
     "(min_labs 2); by lab: Lab A 4, Lab B 2); round 1 was owed, so this campaign should not "
     "have expired; refusing to confirm"),
    ("below_the_rule", withdrawn_opening_missing,
     "leaf 2: the opening of this entry is missing from the package; refusing to confirm"),
    ("below_the_rule", opening_moved_to_another_lab,
     "leaf 5: the opening does not match the entry's lab commitment"),
    ("below_the_rule", opening_nonce_changed,
     "leaf 1: the opening does not match the entry's lab commitment"),
    ("below_the_rule", head_root_not_the_leaves,
     "openings package: the head of batch 1 (size 3): its root is not the Merkle root"),
    ("below_the_rule", head_signed_by_another_key,
     "openings package: the head of batch 2 (size 7): its signature does not verify"),
    ("below_the_rule", not_expired_yet, "the log does not end in an expired event"),
])
def test_a_bad_expiry_is_refused_and_the_share_kept(ceremony, request, passphrase, tmp_path,
                                                    capsys, log_name: str, tamper: Tamper,
                                                    message: str) -> None:
    package = tamper(ceremony, request.getfixturevalue(log_name), tmp_path)
    code, share, out = _destroy(ceremony, 3, package, tmp_path)
    err = capsys.readouterr().err
    assert code == EXIT_CHECK_FAILED, err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert share.exists()
    assert not out.exists()


def test_a_closed_campaign_still_confirms_with_the_ceremony_package(
    ceremony, passphrase, tmp_path
) -> None:
    code, share, out = _destroy(ceremony, 1, ceremony.package, tmp_path)
    assert code == 0
    assert not share.exists()
    assert files.load_signed_statement(out, "destroy-confirmation").index == 1
