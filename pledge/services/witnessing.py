"""Witnesses and their cosignatures over the log's heads (docs/protocol.md §9, §14).

What a witness needs from the server: every head with the cosignatures stored so far, a range of
leaves, and consistency and inclusion proofs between published sizes. What it gives back: a
cosignature, which is stored only if it verifies, over a head this server published, under a key
the campaign's manifest lists as a witness. The campaign page and the record read the stored
cosignatures through :func:`cosignatures_by_batch` and :func:`witnessing_summary`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import CryptoError
from crypto.formats import files
from crypto.formats.errors import FormatError
from crypto.formats.jsonfile import Obj
from pledge.models import Campaign, HeadCosignature, LogLeaf, TreeHead, Trustee
from pledge.services import log
from pledge.services.ceremony import registered_ed25519
from pledge.services.errors import BadRequest, NotFound, ServiceError
from pledge.services.schema import exact_object, hex_field

#: At most this many leaves per ``…/log/leaves`` answer.
MAX_LEAVES = 1000
MAX_INT = 2**63 - 1


class WitnessingError(ServiceError):
    """A cosignature or a log query the server refuses (HTTP 400 unless the code says otherwise)."""


def parsed_manifest(campaign: Campaign) -> files.Manifest:
    """The campaign's frozen manifest, parsed strictly (it is the server's own: a failure is a bug)."""
    if campaign.manifest is None:
        raise NotFound("This campaign has no manifest yet.")
    return files.parse_manifest(Obj(json.loads(campaign.manifest), "manifest"))


def heads(session: Session, campaign: Campaign, since: int = 0) -> list[TreeHead]:
    """The campaign's heads after batch ``since``, in batch order."""
    return list(session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign.id, TreeHead.batch > since)
                                .order_by(TreeHead.batch)))


def cosignatures_by_batch(session: Session, campaign: Campaign) -> dict[int, dict[bytes, bytes]]:
    """Every stored cosignature: ``{batch: {witness key: signature}}`` (each verified when stored)."""
    out: dict[int, dict[bytes, bytes]] = {}
    rows = session.scalars(select(HeadCosignature).where(HeadCosignature.campaign_id == campaign.id)
                           .order_by(HeadCosignature.batch, HeadCosignature.witness_key))
    for row in rows:
        out.setdefault(row.batch, {})[row.witness_key] = row.signature
    return out


def heads_document(session: Session, campaign: Campaign, since: int = 0) -> dict[str, object]:
    """``GET …/log/heads``: the log id and key, and every head (after ``since``) with its
    cosignatures."""
    manifest = parsed_manifest(campaign)
    cosigned = cosignatures_by_batch(session, campaign)
    return {
        "log_id": manifest.log_id.hex(), "log_key": manifest.log_key.hex(),
        "heads": [{"batch": h.batch, "size": h.size, "timestamp": h.timestamp, "root": h.root.hex(),
                   "signature": h.signature.hex(),
                   "cosignatures": {key.hex(): sig.hex() for key, sig in sorted(cosigned.get(h.batch, {}).items())}}
                  for h in heads(session, campaign, since)],
    }


def _latest_size(session: Session, campaign: Campaign) -> int:
    head = log.latest_head(session, campaign)
    return head.size if head is not None else 0


def _published_sizes(session: Session, campaign: Campaign) -> set[int]:
    return set(session.scalars(select(TreeHead.size).where(TreeHead.campaign_id == campaign.id)))


def integer_arg(args: dict[str, str], name: str, default: int | None = None) -> int:
    """A query parameter that must be a decimal integer in ``0..2^63-1``."""
    value = args.get(name)
    if value is None:
        if default is None:
            raise BadRequest(f"Give {name} as a whole number.", name)
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > MAX_INT:
        raise BadRequest(f"{name} must be a whole number from 0 to 2^63-1.", name)
    return int(value)


def leaves_document(session: Session, campaign: Campaign, start: int, end: int) -> dict[str, object]:
    """``GET …/log/leaves?start=A&end=B``: leaves ``[A, B)``, at most :data:`MAX_LEAVES`."""
    latest = _latest_size(session, campaign)
    if start > end:
        raise BadRequest("start must not be larger than end.", "start")
    if end > latest:
        raise BadRequest(f"end must not be larger than the latest head's size ({latest}).", "end")
    if end - start > MAX_LEAVES:
        raise BadRequest(f"Ask for at most {MAX_LEAVES} leaves at a time.", "end")
    rows = session.scalars(select(LogLeaf.leaf).where(
        LogLeaf.campaign_id == campaign.id, LogLeaf.leaf_index >= start, LogLeaf.leaf_index < end)
        .order_by(LogLeaf.leaf_index))
    return {"start": start, "leaves": [bytes(leaf).hex() for leaf in rows]}


def consistency_document(session: Session, campaign: Campaign, old: int, new: int) -> dict[str, object]:
    """``GET …/log/consistency?from=A&to=B``: B a published head size, ``0 <= A <= B``."""
    if new not in _published_sizes(session, campaign):
        raise BadRequest("to must be the size of a published head.", "to")
    if old > new:
        raise BadRequest("from must not be larger than to.", "from")
    return {"from": old, "to": new, "proof": [p.hex() for p in log.consistency_proof(session, campaign, old, new)]}


def inclusion_document(session: Session, campaign: Campaign, index: int, size: int) -> dict[str, object]:
    """``GET …/log/inclusion?index=I&size=B``: B a published head size, ``I < B``."""
    if size not in _published_sizes(session, campaign):
        raise BadRequest("size must be the size of a published head.", "size")
    if index >= size:
        raise BadRequest("index must be smaller than size.", "index")
    return {"index": index, "size": size, "proof": [p.hex() for p in log.inclusion_proof(session, campaign, index, size)]}


def _head_of(session: Session, campaign: Campaign, size: int, timestamp: int, root: bytes) -> TreeHead | None:
    return session.scalar(select(TreeHead).where(
        TreeHead.campaign_id == campaign.id, TreeHead.size == size, TreeHead.timestamp == timestamp,
        TreeHead.root == root))


def store_cosignature(session: Session, campaign: Campaign, manifest: files.Manifest, size: int, timestamp: int,
                      root: bytes, witness: bytes, signature: bytes) -> bool:
    """Verify and store one cosignature; True if it is new, False if it was already stored.

    Refused: a head this server never published, a key the manifest does not list as a
    witness, a signature that does not verify over the head.
    """
    head = _head_of(session, campaign, size, timestamp, root)
    if head is None:
        raise WitnessingError("This server published no head with this size, timestamp and root.",
                              code="unknown_head")
    if witness not in manifest.witnesses:
        raise WitnessingError("This key is not a witness of this campaign (the manifest does not list it).",
                              code="unknown_witness")
    try:
        merkle.verify_cosignature(witness, manifest.log_id, size, timestamp, root, signature)
    except CryptoError:
        raise WitnessingError("The cosignature does not verify over this head under this witness key.",
                              code="bad_cosignature") from None
    stored = session.get(HeadCosignature, (campaign.id, head.batch, witness))
    if stored is not None:
        if stored.signature != signature:  # Ed25519 is deterministic: only one valid signature
            raise WitnessingError("Another cosignature by this witness is already stored for this head.",
                                  code="conflict")
        return False
    session.add(HeadCosignature(campaign_id=campaign.id, batch=head.batch, witness_key=witness, signature=signature))
    session.flush()
    return True


def submit_cosignature(session: Session, campaign: Campaign, read_body: Callable[[], object]) -> bool:
    """``POST …/log/cosignatures``: read ``{"size","timestamp","root","witness","signature"}``
    and store it (see :func:`store_cosignature`)."""
    body = read_body()
    fields = exact_object(body, {"size", "timestamp", "root", "witness", "signature"},
                          "Send exactly size, timestamp, root, witness and signature.")
    try:
        size, timestamp = fields.integer("size"), fields.integer("timestamp")
    except FormatError:
        raise BadRequest("size and timestamp must be whole numbers from 0 to 2^63-1.") from None
    root = hex_field(fields.data["root"], "root", 32)
    witness = hex_field(fields.data["witness"], "witness", 32)
    signature = hex_field(fields.data["signature"], "signature", 64)
    return store_cosignature(session, campaign, parsed_manifest(campaign), size, timestamp, root, witness, signature)


# --- what the campaign page shows -------------------------------------------------------------


@dataclass(frozen=True)
class Witnessing:
    """The latest head, and the latest head a quorum of witnesses cosigned."""

    size: int
    timestamp: int
    cosigners: tuple[str, ...]
    quorum: int
    confirmed_size: int | None
    confirmed_timestamp: int | None
    confirmed_by: tuple[str, ...]

    @property
    def time(self) -> datetime:
        """The latest head's time."""
        return datetime.fromtimestamp(self.timestamp, UTC)

    @property
    def confirmed_time(self) -> datetime | None:
        """The time of the latest head a quorum cosigned."""
        return None if self.confirmed_timestamp is None else datetime.fromtimestamp(self.confirmed_timestamp, UTC)


def witnessing_summary(session: Session, campaign: Campaign) -> Witnessing | None:
    """For the campaign page: the latest head, who cosigned it, and the latest head with at
    least ``w`` cosignatures (None before the first head)."""
    all_heads = heads(session, campaign)
    if not all_heads or campaign.manifest is None:
        return None
    manifest = parsed_manifest(campaign)
    cosigned = cosignatures_by_batch(session, campaign)

    def names(batch: int) -> tuple[str, ...]:
        keys = cosigned.get(batch, {})
        return tuple(name for key, name in manifest.witnesses.items() if key in keys)  # the manifest's order

    latest = all_heads[-1]
    confirmed = next((h for h in reversed(all_heads) if len(names(h.batch)) >= manifest.w), None)
    return Witnessing(
        size=latest.size, timestamp=latest.timestamp, cosigners=names(latest.batch), quorum=manifest.w,
        confirmed_size=confirmed.size if confirmed else None,
        confirmed_timestamp=confirmed.timestamp if confirmed else None,
        confirmed_by=names(confirmed.batch) if confirmed else (),
    )


def store_partials_cosignature(session: Session, campaign: Campaign, trustee: Trustee, head: TreeHead,
                               signature: bytes) -> None:
    """A trustee's cosignature of its round's head, carried by the partials upload: verified and
    stored like a posted one (:class:`WitnessingError` if it does not verify)."""
    store_cosignature(session, campaign, parsed_manifest(campaign), head.size, head.timestamp, head.root,
                      registered_ed25519(trustee), signature)
