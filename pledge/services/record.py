"""The campaign record (DESIGN §6): gather everything public about a campaign from the database
and hand it to :func:`crypto.formats.record.build_record`, whose format ``docs/record.md`` defines.

Ciphertexts appear only for rounds already revealed; a pending round lists only its size.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.formats import record as record_format
from pledge.models import Campaign, DestroyConfirmation, Entry, LogLeaf, RevealRound, RoundPartials, TreeHead, present
from pledge.services.ceremony import CeremonyError, load_board
from pledge.services.reveal import partials_by_seat


def _rounds(session: Session, campaign: Campaign) -> list[dict[str, object]]:
    rounds: list[dict[str, object]] = []
    start = 0
    for round_ in session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign.id).order_by(RevealRound.number)):
        if round_.revealed_at is None:
            rounds.append({"number": round_.number, "size": round_.size, "pending": True})
            start = round_.size
            continue
        entries = session.scalars(select(Entry).where(
            Entry.campaign_id == campaign.id, Entry.leaf_index >= start, Entry.leaf_index < round_.size,
            Entry.withdrawal_signature.is_(None))).all()
        uploads = partials_by_seat(session.scalars(select(RoundPartials).where(
            RoundPartials.campaign_id == campaign.id, RoundPartials.round_number == round_.number)))
        rounds.append({
            "number": round_.number, "size": round_.size,
            "ciphertexts": {e.leaf_index: e.ciphertext for e in entries},
            "partials": {seat: sorted(given.items()) for seat, given in uploads.items()},
            "revealed": {e.leaf_index: e.revealed_payload for e in entries},
        })
        start = round_.size
    return rounds


def campaign_record(session: Session, campaign: Campaign) -> bytes:
    """The canonical record of a launched campaign."""
    if campaign.group_key is None or campaign.manifest is None:
        raise CeremonyError("Only a launched campaign has a record.")
    board = load_board(session, campaign)
    heads = session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign.id).order_by(TreeHead.batch)).all()
    confirmations = {row.seat: row.signature for row in session.scalars(
        select(DestroyConfirmation).where(DestroyConfirmation.campaign_id == campaign.id))}
    outcome: dict[str, object] = {"state": campaign.state.value, "threshold_met": campaign.threshold_met_at is not None}
    if confirmations:
        outcome["destroy_confirmations"] = confirmations
    built = record_format.build_record(
        manifest=json.loads(campaign.manifest),
        ctx=present(campaign.ctx, "a launched campaign's ctx"),
        deals=list(board.deals.values()),
        transcript_signatures={seat: (row.transcript, row.signature) for seat, row in board.signatures.items()},
        group_key=campaign.group_key,
        verification_keys={t.seat: present(t.verification_key, f"trustee {t.seat}'s verification key")
                           for t in campaign.trustees},
        log_id=campaign.public_id.encode("ascii"),
        log_public_key=present(campaign.log_public_key, "a launched campaign's log key"),
        leaves=list(session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id).order_by(LogLeaf.leaf_index))),
        heads=[(h.batch, h.size, h.timestamp, h.root, h.signature) for h in heads],
        published_counts={link.lab.slug: link.published_count for link in campaign.lab_links},
        counts_head_size=heads[-1].size if heads else 0,
        rounds=_rounds(session, campaign),
        outcome=outcome,
    )
    return record_format.encode_record(built)
