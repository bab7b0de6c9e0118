"""The canonical campaign manifest and its context hash ``ctx`` (docs/protocol.md §3).

The manifest is the frozen campaign. Its canonical JSON is hashed into ``ctx``, which every
DKG proof, token key and ciphertext binds to, so a change of a single character in the pledge
text gives a different ``ctx``, and nothing made for one campaign verifies for another.

Shape (version 2, :data:`MANIFEST_VERSION`; every field is required; lists are in the order given here)::

    {
      "v": 2,
      "id": "<campaign public id, 32 lowercase hex>",
      "slug": str, "title": str, "pledge_text": str (Markdown source, exactly as signed),
      "conditions": [str, ...]                     (the organizer's order),
      "labs": [{"slug": str, "name": str, "domains": [str, ...] (sorted),
                "token_public_key": hex (SPKI DER of the RSA-2048 key)}, ...] (sorted by slug),
      "rule": {"min_total": int, "min_per_lab": int, "min_labs": int},
      "deadline": "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds),
      "t": int, "n": int,
      "trustees": [{"index": int, "name": str, "ed25519": hex, "x25519": hex}, ...]
                  (sorted by index, indices exactly 1..n),
      "k": int, "practice": bool,
      "log_key": hex (the log's Ed25519 public key),
      "witnesses": [{"name": str, "ed25519": hex}, ...] (the extra witnesses, organizer's order),
      "w": int, "batch_interval": int (seconds), "reveal_window": int (seconds)
    }
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from crypto.formats.files import witness_quorum_problem
from crypto.formats.jsonfile import VERSION
from crypto.hashing import H, canonical_json

MANIFEST_VERSION = VERSION


class ManifestError(ValueError):
    """The inputs cannot form a complete, consistent manifest."""


@dataclass(frozen=True)
class Witness:
    """An extra witness the organizer listed: a name and an Ed25519 public key (32 bytes)."""

    name: str
    ed25519: bytes


@dataclass(frozen=True)
class Protection:
    """The parameters that protect signers and the record (docs/protocol.md §3)."""

    k: int
    practice: bool
    log_key: bytes
    witnesses: tuple[Witness, ...]
    w: int
    batch_interval: int
    reveal_window: int


@dataclass(frozen=True)
class TrusteeKeys:
    """A trustee's place in the ceremony and public keys (32 bytes each)."""

    index: int
    name: str
    ed25519: bytes
    x25519: bytes


def format_deadline(deadline: datetime) -> str:
    """UTC, whole seconds, ``Z`` suffix: one spelling for every implementation."""
    if deadline.tzinfo is None:
        raise ManifestError("deadline must be timezone-aware")
    return deadline.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_manifest(
    *,
    public_id: str,
    slug: str,
    title: str,
    pledge_text: str,
    conditions: Sequence[str],
    labs: Sequence[Mapping[str, object]],
    token_public_keys: Mapping[str, bytes],
    min_total: int,
    min_per_lab: int,
    min_labs: int,
    deadline: datetime,
    t: int,
    n: int,
    trustees: Sequence[TrusteeKeys],
    protection: Protection,
) -> dict:
    """Assemble the manifest dict. ``labs`` items have ``slug``, ``name`` and ``domains``."""
    if len(public_id) != 32 or any(c not in "0123456789abcdef" for c in public_id):
        raise ManifestError("public id must be 32 lowercase hex characters")
    if not 1 <= t <= n:
        raise ManifestError("need 1 <= t <= n")
    indices = sorted(trustee.index for trustee in trustees)
    if indices != list(range(1, n + 1)):
        raise ManifestError("trustee indices must be exactly 1..n")
    for trustee in trustees:
        if len(trustee.ed25519) != 32 or len(trustee.x25519) != 32:
            raise ManifestError(f"trustee {trustee.index} keys must be 32 bytes each")
    lab_entries = []
    for lab in sorted(labs, key=lambda item: str(item["slug"])):
        slug_ = str(lab["slug"])
        if slug_ not in token_public_keys:
            raise ManifestError(f"no token public key for lab {slug_}")
        lab_entries.append(
            {
                "slug": slug_,
                "name": str(lab["name"]),
                "domains": sorted(str(d) for d in cast("Iterable[object]", lab["domains"])),  # a list, as documented
                "token_public_key": bytes(token_public_keys[slug_]),
            }
        )
    if not lab_entries:
        raise ManifestError("a manifest needs at least one eligible lab")
    p = protection
    if len(p.log_key) != 32 or any(len(wit.ed25519) != 32 for wit in p.witnesses):
        raise ManifestError("the log key and witness keys must be 32 bytes each")
    if not (p.practice or p.k >= 2) or p.k < 1:
        raise ManifestError("k must be at least 2 (1 only in a practice campaign)")
    problem = witness_quorum_problem(t, n, n + len(p.witnesses), p.w)
    if problem:
        raise ManifestError(problem)
    return {
        "v": MANIFEST_VERSION,
        "id": public_id,
        "slug": slug,
        "title": title,
        "pledge_text": pledge_text,
        "conditions": list(conditions),
        "labs": lab_entries,
        "rule": {"min_total": min_total, "min_per_lab": min_per_lab, "min_labs": min_labs},
        "deadline": format_deadline(deadline),
        "t": t,
        "n": n,
        "trustees": [
            {"index": tr.index, "name": tr.name, "ed25519": tr.ed25519, "x25519": tr.x25519}
            for tr in sorted(trustees, key=lambda tr: tr.index)
        ],
        "k": p.k,
        "practice": p.practice,
        "log_key": bytes(p.log_key),
        "witnesses": [{"name": wit.name, "ed25519": bytes(wit.ed25519)} for wit in p.witnesses],
        "w": p.w,
        "batch_interval": p.batch_interval,
        "reveal_window": p.reveal_window,
    }


def manifest_bytes(manifest: Mapping[str, object]) -> bytes:
    """The canonical JSON encoding that ``ctx`` hashes."""
    return canonical_json(manifest)


def manifest_ctx(manifest: Mapping[str, object]) -> bytes:
    """``ctx = H("manifest", canonical_json(manifest); n=32)``."""
    return H("manifest", manifest_bytes(manifest), n=32)


def protection_for_campaign(campaign, log_key: bytes) -> Protection:
    """The protecting parameters of a campaign model, with the log's public key."""
    return Protection(
        k=campaign.suppress_below,
        practice=bool(campaign.practice),
        log_key=bytes(log_key),
        witnesses=tuple(Witness(str(item["name"]), bytes.fromhex(str(item["ed25519"])))
                        for item in campaign.witness_list),
        w=campaign.effective_witness_quorum,
        batch_interval=campaign.batch_interval_seconds,
        reveal_window=campaign.reveal_window_seconds,
    )


def manifest_for_campaign(campaign, token_public_keys: Mapping[str, bytes], trustees: Sequence[TrusteeKeys], *,
                          log_key: bytes) -> dict:
    """Build the manifest of a campaign model (used when the ceremony freezes it); ``log_key``
    is the public key of the campaign log's signing key (:func:`pledge.services.keys.log_public_key`)."""
    return build_manifest(
        public_id=campaign.public_id,
        slug=campaign.slug,
        title=campaign.title,
        pledge_text=campaign.pledge_text,
        conditions=[condition.text for condition in campaign.conditions],
        labs=[{"slug": lab.slug, "name": lab.name, "domains": lab.domain_names} for lab in campaign.labs],
        token_public_keys=token_public_keys,
        min_total=campaign.min_total,
        min_per_lab=campaign.min_per_lab,
        min_labs=campaign.min_labs,
        deadline=campaign.deadline,
        t=campaign.trustee_quorum,
        n=campaign.trustee_count,
        trustees=trustees,
        protection=protection_for_campaign(campaign, log_key),
    )
