"""The campaign record (docs/protocol.md §11): gather everything public about a campaign from the
database and hand it to :func:`crypto.formats.record.build_record`, whose format
``docs/record.md`` describes.

Rounds and outcome are what the published log's events say (:func:`pledge.services.log.
published_lifecycle`), never the database's own state, so the export cannot disagree with the
log. Ciphertexts and openings appear only for revealed rounds: exactly the entries the round's
frozen event lists. The counts name no per-lab number: only the labs that reached the rule's
per-lab minimum (docs/protocol.md §8).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.formats import record as record_format
from crypto.lifecycle import REVEALED, Replay
from crypto.opening import Opening, parse_opening
from pledge.models import Campaign, Entry, LogLeaf, RoundPartials, TreeHead, present, utcnow
from pledge.services.ceremony import CeremonyError, load_board
from pledge.services.log import cosignatures_by_batch, published_lifecycle
from pledge.services.reveal import partials_by_seat


def _rounds(session: Session, campaign: Campaign, lifecycle: Replay) -> list[dict[str, object]]:
    rounds: list[dict[str, object]] = []
    for rnd in lifecycle.rounds:
        if rnd.status != REVEALED:
            rounds.append({"number": rnd.number, "status": rnd.status})
            continue
        entries = {e.leaf_index: e for e in session.scalars(select(Entry).where(
            Entry.campaign_id == campaign.id, Entry.leaf_index.in_(rnd.leaves)))}
        uploads = partials_by_seat(session.scalars(select(RoundPartials).where(
            RoundPartials.campaign_id == campaign.id, RoundPartials.round_number == rnd.number)))
        rounds.append({
            "number": rnd.number, "status": rnd.status,
            "ciphertexts": {i: entries[i].ciphertext for i in rnd.leaves},
            "openings": {i: _opening(entries[i]) for i in rnd.leaves},
            "partials": {seat: sorted(given.items()) for seat, given in uploads.items()},
            "revealed": {i: entries[i].revealed_payload for i in rnd.leaves},
        })
    return rounds


def _opening(entry: Entry) -> Opening:
    """A revealed entry's opening, as the server kept it (canonical JSON of its fields)."""
    return parse_opening(json.loads(present(entry.opening, f"revealed leaf {entry.leaf_index}'s opening")))


def _labs_reached(session: Session, campaign: Campaign, lifecycle: Replay, heads: list[TreeHead]
                  ) -> tuple[int, list[str]]:
    """``(head size, labs reached)``: the labs whose live entries reach ``min_per_lab``, stated
    for the latest head, or once round 1 froze for the head of the batch that froze it. A lab
    that reached the minimum then had at least k live entries (``min_per_lab >= k``), so round
    1 lists every one of them: counting the round's entries by lab gives the labs reached at
    its freeze, whatever happened after."""
    rule = campaign.rule
    if not lifecycle.rounds:
        size = heads[-1].size if heads else 0
        return size, sorted(link.lab.slug for link in campaign.lab_links
                            if rule.lab_meets_minimum(link.published_count))
    first = lifecycle.rounds[0]
    size = next(h.size for h in heads if h.batch == first.frozen_batch)
    listed = dict(session.execute(select(Entry.lab_id, func.count()).where(
        Entry.campaign_id == campaign.id, Entry.leaf_index.in_(first.leaves)).group_by(Entry.lab_id)).all())
    return size, sorted(link.lab.slug for link in campaign.lab_links
                        if rule.lab_meets_minimum(listed.get(link.lab_id, 0)))


def campaign_record(session: Session, campaign: Campaign, now: datetime | None = None) -> bytes:
    """The canonical record of a launched campaign, exported at ``now`` (default: the clock)."""
    if campaign.group_key is None or campaign.manifest is None:
        raise CeremonyError("Only a launched campaign has a record.")
    board = load_board(session, campaign)
    heads = session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign.id).order_by(TreeHead.batch)).all()
    cosignatures = cosignatures_by_batch(session, campaign)
    lifecycle = published_lifecycle(session, campaign)
    counts_head_size, labs_reached = _labs_reached(session, campaign, lifecycle, list(heads))
    built = record_format.build_record(
        exported_at=int((now or utcnow()).timestamp()),
        manifest=json.loads(campaign.manifest),
        ctx=present(campaign.ctx, "a launched campaign's ctx"),
        deals=list(board.deals.values()),
        transcript_signatures={seat: (row.transcript, row.signature) for seat, row in board.signatures.items()},
        group_key=campaign.group_key,
        verification_keys={t.seat: present(t.verification_key, f"trustee {t.seat}'s verification key")
                           for t in campaign.trustees},
        log_id=campaign.public_id.encode("ascii"),
        leaves=list(session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id).order_by(LogLeaf.leaf_index))),
        heads=[(h.batch, h.size, h.timestamp, h.root, h.signature, cosignatures.get(h.batch, {})) for h in heads],
        labs_reached=labs_reached,
        counts_head_size=counts_head_size,
        rounds=_rounds(session, campaign, lifecycle),
        outcome={"state": lifecycle.outcome, "threshold_met": lifecycle.threshold_met},
    )
    return record_format.encode_record(built)
