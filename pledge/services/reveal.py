"""Reveal rounds (docs/protocol.md §8, §10): round packages, verified partials, opening a round.

A round is what its ``round-frozen`` event lists. The server stores a trustee's partials only
after checking every proof, and only an upload that covers exactly the round's entries, each
once; with ``t`` valid uploads it combines them, opens every entry of the round, publishes the
payloads, and queues the ``round-revealed`` event (with the digest of the stored partials) for
the next batch. The digest covers each entry's opening too: a revealed entry's opening becomes
public with its payload, never before. Because partials and openings are public (in the campaign
record), anyone can redo the decryption and check the round's labs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import log_leaves, reveal
from crypto.errors import CryptoError, ItemFailed
from crypto.formats import files, roundfile
from crypto.formats.errors import Refusal
from crypto.hashing import canonical_json
from crypto.lifecycle import round_digest
from crypto.opening import Opening, parse_opening
from pledge.models import (
    Campaign,
    CampaignState,
    Entry,
    PendingEvent,
    RevealRound,
    RoundPartials,
    TreeHead,
    Trustee,
    present,
)
from pledge.services import packages
from pledge.services.ceremony import MAX_PARTIALS_BYTES, CeremonyError, frozen_ctx, parse_upload
from pledge.services.witnessing import WitnessingError, store_partials_cosignature


class RevealError(CeremonyError):
    """An upload or step of a reveal round that is refused, with the reason."""


@dataclass(frozen=True)
class RoundState:
    """A round with its head and who has posted partials."""

    round: RevealRound
    head: TreeHead
    uploaded: list[int]
    window_seconds: int = 0

    @property
    def revealed(self) -> bool:
        return self.round.revealed_at is not None

    @property
    def window_ends(self) -> datetime:
        """The end of the round's reveal window: if it is not revealed by then, the next batch
        abandons it (docs/protocol.md §8)."""
        return datetime.fromtimestamp(self.head.timestamp + self.window_seconds, UTC)


def rounds_of(session: Session, campaign: Campaign) -> list[RoundState]:
    """Every round of a campaign, oldest first."""
    states = []
    for round_ in session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign.id).order_by(RevealRound.number)):
        head = _head_of(session, campaign, round_)
        seats = list(session.scalars(select(RoundPartials.seat).where(
            RoundPartials.campaign_id == campaign.id, RoundPartials.round_number == round_.number).order_by(RoundPartials.seat)))
        states.append(RoundState(round_, head, seats, campaign.reveal_window_seconds))
    return states


def _round(session: Session, campaign: Campaign, number: int) -> tuple[RevealRound, TreeHead, RevealRound | None]:
    round_ = session.get(RevealRound, (campaign.id, number))
    if round_ is None:
        raise RevealError("There is no such round.")
    previous = session.get(RevealRound, (campaign.id, number - 1)) if number > 1 else None
    return round_, _head_of(session, campaign, round_), previous


def _head_of(session: Session, campaign: Campaign, round_: RevealRound) -> TreeHead:
    """The signed tree head a round was cut at (published before the round was opened)."""
    return present(session.get(TreeHead, (campaign.id, round_.batch)), f"round {round_.number}'s tree head")


def _by_leaf(entries: list[Entry]) -> dict[int, Entry]:
    """Logged entries by their leaf index."""
    return {present(e.leaf_index, "a logged entry's leaf index"): e for e in entries}


def round_entries(session: Session, campaign: Campaign, number: int) -> list[Entry]:
    """The entries round ``number``'s frozen event lists, in leaf order."""
    return list(session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.frozen_round == number).order_by(Entry.leaf_index)))


def round_package(session: Session, campaign: Campaign, number: int) -> bytes:
    """The file a trustee downloads to run ``pledge-trustee decrypt`` on a round
    (:func:`pledge.services.packages.round_package`)."""
    return packages.round_package(session, campaign, number)


def _head(head: TreeHead) -> roundfile.TreeHead:
    return roundfile.TreeHead(head.size, head.timestamp, head.root, head.signature)


def submit_partials(session: Session, campaign: Campaign, trustee: Trustee, number: int, data: bytes, now: datetime) -> bool:
    """Check every partial of a trustee's upload and store it; open the round once ``t`` are in.
    Returns True when this upload completed the reveal."""
    round_, head, _ = _round(session, campaign, number)
    if round_.revealed_at is not None:
        raise RevealError("This round is already revealed.")
    if round_.abandoned_at is not None:
        raise RevealError("This round was abandoned: it was not revealed within the reveal window, and its "
                          "sealed signatures are deleted.")
    if session.get(RoundPartials, (campaign.id, number, trustee.seat)) is not None:
        raise RevealError("Your partials for this round are already posted.")
    try:
        upload = roundfile.parse_partials(parse_upload(data, {"partials"}, MAX_PARTIALS_BYTES))
    except Refusal as error:
        raise RevealError(str(error)) from None
    if upload.ctx != campaign.ctx or upload.index != trustee.seat:
        raise RevealError("These partials are not yours for this campaign (ctx or trustee index differ).")
    if (upload.head_size, upload.head_timestamp, upload.head_root) != (head.size, head.timestamp, head.root):
        raise RevealError("These partials are for another head than this round's.")
    live = _by_leaf(round_entries(session, campaign, number))
    given = _exactly_the_round(number, live, upload.partials)
    _verify_upload(campaign, trustee, live, given)
    if upload.cosignature is not None:  # the trustee's cosignature of the round's head (docs/protocol.md §9)
        try:
            store_partials_cosignature(session, campaign, trustee, head, upload.cosignature)
        except WitnessingError as error:
            raise RevealError(f"The cosignature in this file: {error.message} Nothing was stored.") from None
    session.add(RoundPartials(campaign_id=campaign.id, round_number=number, seat=trustee.seat,
                              body=canonical_json(roundfile.partials_doc(upload)), received_at=now))
    session.flush()
    seats = session.scalars(select(RoundPartials).where(
        RoundPartials.campaign_id == campaign.id, RoundPartials.round_number == number)).all()
    if len(seats) < campaign.trustee_quorum:
        return False
    _open_round(session, campaign, round_, live, seats, now)
    return True


def _exactly_the_round(number: int, live: dict[int, Entry], records: list[roundfile.PartialRecord]) -> dict:
    """The upload's records by leaf, refused unless they list each entry of the round exactly once
    and nothing else (so what is checked is exactly what is stored)."""
    given: dict[int, roundfile.PartialRecord] = {}
    for record in records:
        if record.leaf_index in given:
            raise RevealError(f"The partials file lists leaf {record.leaf_index} twice: each entry of the round "
                              "must appear exactly once. Nothing was stored.")
        if record.leaf_index not in live:
            raise RevealError(f"The partials file lists leaf {record.leaf_index}, which is not an entry of round "
                              f"{number}. Nothing was stored.")
        given[record.leaf_index] = record
    missing = sorted(set(live) - set(given))
    if missing:
        raise RevealError(f"The partials must cover exactly this round's entries: leaf {missing[0]} is missing "
                          f"({len(missing)} in all). Nothing was stored.")
    return given


def _verify_upload(campaign: Campaign, trustee: Trustee, live: dict[int, Entry], given: dict) -> None:
    """Every partial of an upload, in leaf order: its nullifier is the entry's and its proof verifies.

    The proofs are checked in one batch (:func:`crypto.reveal.verify_partials`: worker
    processes for a large round); the error names the first entry, in leaf order, that fails.
    """
    indices, items = [], []
    mismatch = None
    ctx = frozen_ctx(campaign)
    for index, record in sorted(given.items()):
        entry = live[index]
        if record.nullifier != entry.nullifier:
            mismatch = index
            break
        indices.append(index)
        items.append((_ciphertext(entry)[:32], ctx + entry.nullifier, record.partial))
    try:
        reveal.verify_partials(trustee.seat, present(trustee.verification_key, "the trustee's verification key"), items)
    except ItemFailed as failed:
        raise RevealError(f"Entry at leaf {indices[failed.position]}: the partial decryption's proof does not verify.") from None
    except CryptoError:
        first = indices[0] if indices else mismatch
        raise RevealError(f"Entry at leaf {first}: the partial decryption's proof does not verify.") from None
    if mismatch is not None:
        raise RevealError(f"Entry at leaf {mismatch}: the nullifier differs from the log's.")


def _ciphertext(entry: Entry) -> bytes:
    """The sealed box of an entry still in the log (ciphertexts are dropped only at expiry)."""
    return present(entry.ciphertext, f"the ciphertext at leaf {entry.leaf_index}")


def partials_by_seat(rows) -> dict[int, dict[int, bytes]]:
    """Stored uploads as {seat: {leaf_index: partial}}."""
    out = {}
    for row in rows:
        parsed = roundfile.parse_partials(files.parse_document(row.body, "stored partials", {"partials"}))
        out[row.seat] = {record.leaf_index: record.partial for record in parsed.partials}
    return out


def entry_opening(entry: Entry) -> Opening:
    """The opening the server kept for an entry (checked when the entry was accepted)."""
    return parse_opening(json.loads(present(entry.opening, f"the opening at leaf {entry.leaf_index}")))


def _open_round(session: Session, campaign: Campaign, round_: RevealRound, live: dict[int, Entry], rows, now: datetime) -> None:
    by_seat = partials_by_seat(rows)
    quorum = sorted(by_seat)[: campaign.trustee_quorum]
    entries = list(live.values())
    # D_j of each D_j || c || z; a large round is opened by worker processes. A signer's own
    # client can seal a box that does not open: decrypt_many gives None for it, published as
    # such (anyone can redo the decryption from the public partials) and shown as unreadable.
    ctx = frozen_ctx(campaign)
    opened = reveal.decrypt_many(present(campaign.group_key, "the campaign's group key"), [
        (ctx + entry.nullifier, _ciphertext(entry), {seat: by_seat[seat][index][:32] for seat in quorum})
        for index, entry in live.items()])
    for entry, payload in zip(entries, opened, strict=True):
        entry.revealed_payload = payload
        entry.revealed_round = round_.number
    round_.revealed_at = now
    if campaign.state == CampaignState.OPEN:
        campaign.state = CampaignState.REVEALED
    digest = round_digest((index, entry_opening(entry), {seat: partials[index] for seat, partials in by_seat.items()})
                          for index, entry in live.items())
    event = log_leaves.EventLeaf("round-revealed", round=round_.number, digest=digest)
    session.add(PendingEvent(campaign_id=campaign.id, leaf=log_leaves.encode_leaf(event), created_at=now))
    session.flush()


@dataclass(frozen=True)
class RevealedSignature:
    """A signature as the campaign page shows it; its lab is the one its (now public) opening names."""

    lab: str  # the lab's name
    name: str | None
    role: str
    statement: str
    round: int
    readable: bool = True


def revealed_signatures(session: Session, campaign: Campaign) -> dict[str, list[RevealedSignature]]:
    """Revealed, non-withdrawn signatures grouped by lab name (labs sorted, names sorted). Each
    entry's lab is read from its opening, which is public once the entry is revealed."""
    labs = {link.lab.slug: link.lab.name for link in campaign.lab_links}
    grouped: dict[str, list[RevealedSignature]] = {}
    for entry in session.scalars(select(Entry).where(Entry.campaign_id == campaign.id, Entry.revealed_round.is_not(None))):
        revealed_round = present(entry.revealed_round, "a revealed entry's round")
        lab = labs[entry_opening(entry).slug]
        try:
            payload = json.loads(entry.revealed_payload or b"")
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            payload = {"display": "unreadable"}
        if payload.get("display") == "unreadable":
            shown = RevealedSignature(lab=lab, name=None, role="", statement="", round=revealed_round,
                                      readable=False)
            grouped.setdefault(shown.lab, []).append(shown)
            continue
        shown = RevealedSignature(
            lab=lab, name=str(payload.get("name", "")) if payload.get("display") == "name" else None,
            role=str(payload.get("role", "")), statement=str(payload.get("statement", "")), round=revealed_round,
        )
        grouped.setdefault(shown.lab, []).append(shown)
    for items in grouped.values():
        items.sort(key=lambda s: (s.name is None, (s.name or "").lower(), s.role))
    return dict(sorted(grouped.items()))


def destroy_confirmations(session: Session, campaign: Campaign) -> dict[int, datetime]:
    """When each trustee confirmed destroying their share (expired campaigns), by seat."""
    from pledge.models import DestroyConfirmation

    rows = session.scalars(select(DestroyConfirmation).where(DestroyConfirmation.campaign_id == campaign.id))
    return {row.seat: row.received_at for row in rows}
