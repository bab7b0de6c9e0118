"""The trustee's later steps: ``decrypt`` a reveal round (docs/protocol.md §10) and ``destroy`` a share
(docs/protocol.md §8: at an expiry, only after checking the openings package). Each returns its
:class:`~.report.StepReport`."""

from __future__ import annotations

import os
from pathlib import Path

import nacl.utils

from .. import group, merkle, parallel, reveal
from ..expiry_check import ExpiryPlan, check_expiry
from ..formats import messages
from ..formats.counts import count
from ..formats.errors import CheckFailed, FileProblem
from ..formats.files import (
    Manifest,
    ManifestPackage,
    SignedStatement,
    destroy_confirmation_doc,
    parse_ceremony,
)
from ..formats.jsonfile import ensure_absent, read_document, write_document
from ..formats.keys import KeyFile, ShareFile, load_key, load_share, unlock_key, unlock_share
from ..formats.roundfile import (
    PartialRecord,
    PartialsFile,
    RoundPackage,
    load_partials,
    load_round,
    parse_openings,
    partials_doc,
)
from ..round_check import CampaignKeys, RoundPlan, check_board, check_round
from .report import Passphrase, Progress, StepReport, obtain

WIPE_CHUNK = 1 << 16


def _own_index(key: KeyFile, share: ShareFile, ctx: bytes, manifest: Manifest, where: Path) -> int:
    """Check that the key and share belong to the campaign of ``where`` and to one trustee."""
    if share.ctx != ctx:
        raise CheckFailed(f"{share.path} is a share of another campaign than {where}")
    j = manifest.index_of(key.ed25519, key.x25519)
    if j is None:
        raise CheckFailed(f"the public keys of {key.path} are not among the trustees of {where}")
    if j != share.index:
        raise CheckFailed(f"{share.path} is trustee {share.index}'s share, but {key.path} is "
                          f"trustee {j}'s key")
    return j


def _check_previous(rnd: RoundPackage, previous_partials: Path, say: Progress) -> None:
    """The package's previous head is the head this trustee decrypted last time."""
    seen = load_partials(previous_partials)
    prev = rnd.previous
    if seen.ctx != rnd.package.ctx:
        raise CheckFailed(f"{previous_partials} is for another campaign")
    if prev is None or (prev.size, prev.root) != (seen.head_size, seen.head_root):
        raise CheckFailed(f"round package: its previous head is not the head you decrypted in "
                          f"{previous_partials} (size {seen.head_size})")
    say(f"Checked: the previous head is the one you decrypted before (size {seen.head_size}).")


def _report_round(rnd: RoundPackage, plan: RoundPlan, say: Progress) -> None:
    head = rnd.head
    say(f"Checked the tree head (size {head.size}, timestamp {head.timestamp}): its signature "
        "under the log's key, and the Merkle root of every leaf in the package.")
    if rnd.previous is not None:
        say(f"Checked the consistency proof from the previous head (size {rnd.previous.size}).")
    say("Checked every leaf: nullifiers and their uniqueness, withdrawal signatures, events.")
    say(f"Checked {len(rnd.openings)} openings: each entry's lab commitment, its token signed "
        "under its lab's key from the manifest for this campaign and lab, and its nullifier.")
    names = _lab_names(rnd.package.manifest)
    say(f"Live entries at this head by lab (the public does not see these numbers; keep them to "
        f"yourself): {_counts(plan.live, names)}.")
    if plan.round_number == 1:
        say(f"Checked round 1: the threshold rule held at its head "
            f"({count(plan.live_entries, 'live entry', 'live entries')}), and it lists, per lab, every live "
            "entry if the lab has at least k, else none.")
    else:
        say(f"Checked round {plan.round_number}: it lists, per lab, every live entry no earlier "
            f"round listed if the lab has at least k of them, else none (candidates by lab: "
            f"{_counts(plan.candidates, names)}).")
    say(f"Checked {len(plan.to_decrypt)} ciphertexts of this round against their leaves and "
        "their proofs.")


def _lab_names(manifest: Manifest) -> dict[str, str]:
    """Each lab's name by slug, from the manifest: a trustee reads names, not slugs."""
    return {str(lab["slug"]): str(lab.get("name") or lab["slug"]) for lab in manifest.raw.get("labs", [])}


def _counts(grouped: dict[str, list[int]], names: dict[str, str]) -> str:
    shown = sorted((names.get(slug, slug), len(v)) for slug, v in grouped.items())
    return ", ".join(f"{name} {n}" for name, n in shown) or "none"


def _partials(
    rnd: RoundPackage, plan: RoundPlan, j: int, x_j: bytes, keys: CampaignKeys,
    jobs: int | None,
) -> list[PartialRecord]:
    ctx = rnd.package.ctx
    partials = reveal.partial_decrypt_many(
        j, x_j, keys.Yj, [(e.R, ctx + e.nullifier) for e in plan.to_decrypt], jobs=jobs)
    return [PartialRecord(e.leaf_index, e.nullifier, partial)
            for e, partial in zip(plan.to_decrypt, partials, strict=True)]


def _cosign(rnd: RoundPackage, key: KeyFile, key_path: Path, passphrase: Passphrase) -> bytes:
    """The trustee's cosignature of the round's head (docs/protocol.md §9), once every check of
    the round has passed: the head must be signed by the manifest's own log key."""
    manifest, head = rnd.package.manifest, rnd.head
    if rnd.log_key != manifest.log_key or rnd.log_id != manifest.log_id:
        raise CheckFailed("round package: its log id or log key is not the manifest's")
    seed = unlock_key(key, obtain(passphrase, str(key_path))).signing_seed
    return merkle.sign_cosignature(seed, manifest.log_id, head.size, head.timestamp, head.root)


def decrypt(
    key_path: Path, share_path: Path, package_path: Path, out: Path,
    previous_partials: Path | None, passphrase: Passphrase, *, jobs: int | None = None,
    progress: Progress | None = None,
) -> StepReport:
    """Check a round package completely, then write this trustee's partial decryptions
    (``passphrase`` opens the share file).

    ``jobs`` worker processes (default: the CPU count) share the per-entry checks and
    decryptions; the file written does not depend on it (see :mod:`crypto.parallel`)."""
    report = StepReport(progress=progress)
    say = report.say
    ensure_absent(out)
    key, share, rnd = load_key(key_path), load_share(share_path), load_round(package_path)
    manifest, ctx = rnd.package.manifest, rnd.package.ctx
    say(f"Checked {package_path}: ctx matches the manifest of campaign {manifest.campaign_id} "
        f"(ctx fingerprint {messages.fingerprint(ctx)}).")
    j = _own_index(key, share, ctx, manifest, package_path)
    x_j = unlock_share(share, obtain(passphrase, str(share_path)))
    keys = check_board(rnd, j, share.transcript)
    if group.scalarmult_base(x_j) != keys.Yj:
        raise CheckFailed(f"{share_path} does not hold the secret of Y_{j} on the board")
    say(f"Checked the board: every deal's proofs, and the transcript is the one you signed "
        f"(fingerprint {messages.fingerprint(keys.transcript)}); recomputed Y "
        f"({messages.fingerprint(keys.Y)}) and Y_{j}, which your share matches.")
    if previous_partials is not None:
        _check_previous(rnd, previous_partials, say)
    with parallel.pool(jobs):  # one set of worker processes for the checks and the partials
        plan = check_round(rnd, keys.Y, jobs=jobs)
        _report_round(rnd, plan, say)
        records = _partials(rnd, plan, j, x_j, keys, jobs)
    del x_j
    head = rnd.head
    cosignature = _cosign(rnd, key, key_path, passphrase)
    say(f"Cosigned the round's head (size {head.size}) with your signing key, as a witness of the log.")
    write_document(out, partials_doc(PartialsFile(
        ctx, j, head.size, head.timestamp, head.root, records, [], cosignature)))
    report.wrote(out)
    say(f"Wrote {out}: {len(records)} partial decryptions with their proofs and your cosignature, as trustee "
        f"{j}, for the head of size {head.size}. Upload it to the web app.")
    return report


def _wipe(path: Path) -> None:
    """Overwrite a file with random bytes, flush it to disk, and unlink it."""
    try:
        with open(path, "r+b") as handle:
            remaining = os.fstat(handle.fileno()).st_size
            while remaining > 0:
                chunk = min(remaining, WIPE_CHUNK)
                handle.write(nacl.utils.random(chunk))
                remaining -= chunk
            handle.flush()
            os.fsync(handle.fileno())
        os.unlink(path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        raise FileProblem(f"cannot destroy {path}: {exc.strerror}") from exc


def _load_destroy_package(
    package_path: Path, say: Progress, jobs: int | None
) -> ManifestPackage:
    """The package ``destroy`` signs against: a ceremony package (a closed or taken-down campaign), or an
    openings package (an expiry), which is checked in full first (:func:`check_expiry`)."""
    doc = read_document(package_path, {"ceremony", "openings"})
    if doc.data.get("kind") == "ceremony":
        return parse_ceremony(doc)
    pkg = parse_openings(doc)
    with parallel.pool(jobs):
        plan = check_expiry(pkg, jobs=jobs)
    _report_expiry(plan, pkg.package.manifest, say)
    return pkg.package


def _report_expiry(plan: ExpiryPlan, manifest: Manifest, say: Progress) -> None:
    say(f"Checked {plan.heads} signed heads under the manifest's log key, each against the "
        "Merkle root of the leaves; every leaf; the lifecycle, which ends in the expired event.")
    say(f"Checked the openings of all {plan.entries} entries ({plan.withdrawn} withdrawn): lab "
        "commitments, tokens under their labs' keys, nullifiers.")
    names = _lab_names(manifest)
    counts = ", ".join(f"{names.get(slug, slug)} {n}" for slug, n in plan.counts.items()) or "none"
    say(f"Checked the {plan.heads_before_deadline} heads before the deadline event: round 1 was "
        f"due at none of them. Live entries by lab at the last (keep these to yourself): {counts}.")


def destroy(
    share_path: Path, key_path: Path | None, package_path: Path | None, out: Path | None,
    passphrase: Passphrase | None = None, *, jobs: int | None = None,
    progress: Progress | None = None,
) -> StepReport:
    """Destroy the share file; with ``key_path``, ``package_path`` and ``out``, also write a
    confirmation that it was destroyed, signed with the key (``passphrase`` opens it).

    ``package_path`` is the ceremony package (a closed or taken-down campaign) or, at an expiry, the openings
    package: then every check of :func:`crypto.expiry_check.check_expiry` runs first, and a
    failure leaves the share in place and writes nothing."""
    report = StepReport(progress=progress)
    say = report.say
    share = load_share(share_path)  # refuses to destroy anything that is not a share file
    confirmation = None
    if key_path is not None and package_path is not None and out is not None:
        ensure_absent(out)
        key = load_key(key_path)
        package = _load_destroy_package(package_path, say, jobs)
        j = _own_index(key, share, package.ctx, package.manifest, package_path)
        if passphrase is None:
            raise ValueError("a signed confirmation needs the key file's passphrase")
        secrets = unlock_key(key, obtain(passphrase, str(key_path)))
        message = messages.destroy_message(package.ctx, j)
        confirmation = SignedStatement(package.ctx, j, messages.sign(secrets.signing_seed, message))
        del secrets
    _wipe(share_path)
    say(f"Destroyed {share_path}: overwrote its contents with random bytes, "
        "flushed them to disk, and deleted the file.")
    say("Note: on SSDs and copy-on-write or journaling file systems old blocks may survive an "
        "overwrite; delete any backups too. The share was encrypted under your passphrase.")
    if confirmation is not None and out is not None:
        write_document(out, destroy_confirmation_doc(confirmation))
        report.wrote(out)
        say(f"Wrote {out}: your signed confirmation that share {confirmation.index} of this "
            "campaign is destroyed. Upload it to the web app.")
    return report
