"""The trustee's later steps: ``decrypt`` a reveal round (DESIGN §4.4) and ``destroy`` a share
(DESIGN §2, expiry)."""

from __future__ import annotations

import os
from pathlib import Path

import nacl.utils

from .. import group, parallel, reveal
from . import signing
from .ceremony_steps import say
from .errors import EXIT_OK, CheckFailed, FileProblem
from .files import Manifest, SignedStatement, destroy_confirmation_doc, load_ceremony
from .jsonfile import ensure_absent, write_document
from .keys import KeyFile, ShareFile, load_key, load_share, unlock_key, unlock_share
from .prompt import read_passphrase
from .round_check import CampaignKeys, RoundPlan, check_board, check_round
from .roundfile import (
    PartialRecord,
    PartialsFile,
    RoundPackage,
    load_partials,
    load_round,
    partials_doc,
)

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


def _check_previous(rnd: RoundPackage, previous_partials: Path) -> None:
    """The package's previous head is the head this trustee decrypted last time."""
    seen = load_partials(previous_partials)
    prev = rnd.previous
    if seen.ctx != rnd.package.ctx:
        raise CheckFailed(f"{previous_partials} is for another campaign")
    if prev is None or (prev.size, prev.root) != (seen.head_size, seen.head_root):
        raise CheckFailed(f"round package: its previous head is not the head you decrypted in "
                          f"{previous_partials} (size {seen.head_size})")
    say(f"Checked: the previous head is the one you decrypted before (size {seen.head_size}).")


def _report_round(rnd: RoundPackage, plan: RoundPlan) -> None:
    head = rnd.head
    say(f"Checked the tree head (size {head.size}, timestamp {head.timestamp}): its signature "
        "under the log's key, and the Merkle root of every leaf in the package.")
    if rnd.previous is not None:
        say(f"Checked the consistency proof from the previous head (size {rnd.previous.size}).")
    say("Checked every leaf: token signatures under the labs' keys from the manifest, campaign "
        "and lab in each token, nullifiers and their uniqueness, withdrawal signatures.")
    say(f"Checked the threshold rule: {plan.live_entries} entries count, "
        f"{plan.labs_meeting} labs reach the per-lab minimum.")
    say(f"Checked {len(plan.to_decrypt)} ciphertexts of this round against their leaves and "
        f"their proofs; {len(plan.withdrawn)} withdrawn entries stay sealed.")


def _partials(
    rnd: RoundPackage, plan: RoundPlan, j: int, x_j: bytes, keys: CampaignKeys,
    jobs: int | None,
) -> list[PartialRecord]:
    ctx = rnd.package.ctx
    partials = reveal.partial_decrypt_many(
        j, x_j, keys.Yj, [(e.R, ctx + e.nullifier) for e in plan.to_decrypt], jobs=jobs)
    return [PartialRecord(e.leaf_index, e.nullifier, partial)
            for e, partial in zip(plan.to_decrypt, partials, strict=True)]


def run_decrypt(
    key_path: Path, share_path: Path, package_path: Path, out: Path,
    previous_partials: Path | None, *, jobs: int | None = None,
) -> int:
    """Check a round package completely, then write this trustee's partial decryptions.

    ``jobs`` worker processes (default: the CPU count) share the per-entry checks and
    decryptions; the file written does not depend on it (see :mod:`crypto.parallel`)."""
    ensure_absent(out)
    key, share, rnd = load_key(key_path), load_share(share_path), load_round(package_path)
    manifest, ctx = rnd.package.manifest, rnd.package.ctx
    say(f"Checked {package_path}: ctx matches the manifest of campaign {manifest.campaign_id} "
        f"(ctx fingerprint {signing.fingerprint(ctx)}).")
    j = _own_index(key, share, ctx, manifest, package_path)
    x_j = unlock_share(share, read_passphrase(str(share_path)))
    keys = check_board(rnd, j, share.transcript)
    if group.scalarmult_base(x_j) != keys.Yj:
        raise CheckFailed(f"{share_path} does not hold the secret of Y_{j} on the board")
    say(f"Checked the board: every deal's proofs, and the transcript is the one you signed "
        f"(fingerprint {signing.fingerprint(keys.transcript)}); recomputed Y "
        f"({signing.fingerprint(keys.Y)}) and Y_{j}, which your share matches.")
    if previous_partials is not None:
        _check_previous(rnd, previous_partials)
    with parallel.pool(jobs):  # one set of worker processes for the checks and the partials
        plan = check_round(rnd, keys.Y, jobs=jobs)
        _report_round(rnd, plan)
        records = _partials(rnd, plan, j, x_j, keys, jobs)
    del x_j
    head = rnd.head
    write_document(out, partials_doc(PartialsFile(
        ctx, j, head.size, head.timestamp, head.root, records, plan.withdrawn)))
    say(f"Wrote {out}: {len(records)} partial decryptions with their proofs, as trustee {j}, "
        f"for the head of size {head.size}. Upload it to the web app.")
    return EXIT_OK


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


def run_destroy(
    share_path: Path, key_path: Path | None, package_path: Path | None, out: Path | None
) -> int:
    """Destroy the share file; optionally write a signed confirmation that it was destroyed."""
    share = load_share(share_path)  # refuses to destroy anything that is not a share file
    confirmation = None
    if key_path is not None and package_path is not None and out is not None:
        ensure_absent(out)
        key, package = load_key(key_path), load_ceremony(package_path)
        j = _own_index(key, share, package.ctx, package.manifest, package_path)
        secrets = unlock_key(key, read_passphrase(str(key_path)))
        message = signing.destroy_message(package.ctx, j)
        confirmation = SignedStatement(package.ctx, j, signing.sign(secrets.signing_seed, message))
        del secrets
    _wipe(share_path)
    say(f"Destroyed {share_path}: overwrote its contents with random bytes, "
        "flushed them to disk, and deleted the file.")
    say("Note: on SSDs and copy-on-write or journaling file systems old blocks may survive an "
        "overwrite; delete any backups too. The share was encrypted under your passphrase.")
    if confirmation is not None and out is not None:
        write_document(out, destroy_confirmation_doc(confirmation))
        say(f"Wrote {out}: your signed confirmation that share {confirmation.index} of this "
            "campaign is destroyed. Upload it to the web app.")
    return EXIT_OK
