"""After the reveal: the dated history of each condition at each lab, and dated updates with an Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import log_leaves
from pledge.models import Campaign, CampaignState, CampaignUpdate, ConditionJudgement, Lab
from pledge.services.errors import ServiceError
from pledge.services.statements import (
    FINAL_STATES,
    published_leaves,
    round_one_published,
    still_publishable,
    withholding_now,
)


class OutcomeError(ServiceError):
    """A judgement or update the organizer cannot record as given."""


#: What each status reads as, where a person reads it.
STATUS_LABELS = {"met": "Met", "not-met": "Not met", "partly": "Partly met"}


def _check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url.encode()) > log_leaves.MAX_EVIDENCE_BYTES \
            or any(ch.isspace() for ch in url):
        raise OutcomeError("Give the evidence as a full http(s) link (at most 500 characters), or leave it empty.",
                           field="evidence_url")
    return url


def record_judgement(session: Session, campaign: Campaign, *, condition_id: int, lab_id: int, status: str,
                     decided_on: date, evidence_url: str, note: str, today: date) -> ConditionJudgement:
    """Record a new judgement of ``condition`` at ``lab`` (only once round 1's reveal is published);
    it is published as a condition leaf with the next batch. Earlier judgements stay."""
    if campaign.state in FINAL_STATES or not round_one_published(session, campaign):
        raise OutcomeError("Conditions are tracked once the signatures are revealed.")
    if condition_id not in {c.id for c in campaign.conditions} or lab_id not in {link.lab_id for link in campaign.lab_links}:
        raise OutcomeError("No such condition or lab in this campaign.")
    if status not in log_leaves.CONDITION_STATUSES:
        raise OutcomeError("Choose met, not met or partly met.", field="status")
    if decided_on > today:
        raise OutcomeError("The date cannot be in the future.", field="decided_on")
    note = note.replace("\r\n", "\n").strip()
    if len(note.encode()) > log_leaves.MAX_NOTE_BYTES:
        raise OutcomeError("Keep the note to 2,000 bytes (about 2,000 characters).", field="note")
    row = ConditionJudgement(campaign_id=campaign.id, condition_id=condition_id, lab_id=lab_id, status=status,
                             decided_on=decided_on, evidence_url=_check_url(evidence_url), note=note)
    session.add(row)
    session.flush()
    return row


def judgement_history(session: Session, campaign: Campaign) -> dict[tuple[int, int], list[ConditionJudgement]]:
    """Every judgement (pending ones included, ``leaf_index`` unset), by (condition id, lab id),
    oldest first: the organizer's view."""
    table: dict[tuple[int, int], list[ConditionJudgement]] = {}
    rows = session.scalars(select(ConditionJudgement).where(ConditionJudgement.campaign_id == campaign.id)
                           .order_by(ConditionJudgement.id))
    for row in rows:
        table.setdefault((row.condition_id, row.lab_id), []).append(row)
    return table


@dataclass(frozen=True)
class PublishedJudgement:
    """A condition leaf of the published log, with the batch that published it."""

    index: int
    batch: int
    condition: int  # 1-based manifest position
    lab: str  # slug
    status: str
    date: date
    evidence: str
    note: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def published_judgements(session: Session, campaign: Campaign) -> list[PublishedJudgement]:
    """Every condition leaf of the published log, in log order."""
    return [PublishedJudgement(index, batch, leaf.condition, leaf.lab, leaf.status, date.fromisoformat(leaf.date),
                               leaf.evidence, leaf.note)
            for index, batch, leaf in published_leaves(session, campaign) if isinstance(leaf, log_leaves.ConditionLeaf)]


def published_table(session: Session, campaign: Campaign) -> dict[tuple[int, str], list[PublishedJudgement]]:
    """Published judgements by (condition position, lab slug), oldest first: the public view."""
    table: dict[tuple[int, str], list[PublishedJudgement]] = {}
    for item in published_judgements(session, campaign):
        table.setdefault((item.condition, item.lab), []).append(item)
    return table


@dataclass(frozen=True)
class AfterReveal:
    """What the campaign page shows after the reveal, from published leaves only: per condition
    and lab the judgements (oldest first), and per lab slug the signers withholding now."""

    conditions: list[tuple[int, str]]  # (1-based manifest position, text)
    labs: list[Lab]
    judgements: dict[tuple[int, str], list[PublishedJudgement]]
    withholding: dict[str, int]

    @property
    def withholding_total(self) -> int:
        return sum(self.withholding.values())


def after_reveal(session: Session, campaign: Campaign) -> AfterReveal | None:
    """The after-reveal section of the campaign page; None before round 1's reveal is published."""
    if not round_one_published(session, campaign):
        return None
    conditions = [(number, c.text) for number, c in enumerate(sorted(campaign.conditions, key=lambda c: c.position), 1)]
    return AfterReveal(conditions, campaign.labs, published_table(session, campaign), withholding_now(session, campaign))


# --- publication ------------------------------------------------------------------------------


def pending_judgements(session: Session, campaign: Campaign, day: date) -> list[tuple[ConditionJudgement, bytes]]:
    """Judgements waiting for a batch whose UTC day is ``day``, with their condition leaves."""
    if not still_publishable(session, campaign):
        return []
    positions = {c.id: c.position for c in campaign.conditions}
    order = sorted(positions.values())
    slugs = {link.lab_id: link.lab.slug for link in campaign.lab_links}
    rows = session.scalars(select(ConditionJudgement).where(
        ConditionJudgement.campaign_id == campaign.id, ConditionJudgement.leaf_index.is_(None),
        ConditionJudgement.decided_on <= day).order_by(ConditionJudgement.id))
    return [(row, log_leaves.encode_leaf(log_leaves.ConditionLeaf(
        condition=order.index(positions[row.condition_id]) + 1, lab=slugs[row.lab_id], status=row.status,
        date=row.decided_on.isoformat(), evidence=row.evidence_url, note=row.note))) for row in rows]


def post_update(session: Session, campaign: Campaign, *, title: str, body: str, now: datetime) -> CampaignUpdate:
    """Post a dated update (launched campaigns only)."""
    if campaign.state in (CampaignState.DRAFT, CampaignState.CEREMONY):
        raise OutcomeError("Updates are posted once the campaign is launched.")
    title = " ".join(title.split())
    if not 3 <= len(title) <= 200:
        raise OutcomeError("Give the update a title of 3 to 200 characters.", field="title")
    if not body.strip() or len(body) > 20_000:
        raise OutcomeError("Write the update (at most 20,000 characters).", field="body")
    update = CampaignUpdate(campaign_id=campaign.id, posted_at=now.replace(microsecond=0), title=title,
                            body=body.replace("\r\n", "\n"))
    session.add(update)
    session.flush()
    return update


def updates_of(session: Session, campaign: Campaign) -> list[CampaignUpdate]:
    """Updates, newest first."""
    return list(session.scalars(select(CampaignUpdate).where(CampaignUpdate.campaign_id == campaign.id)
                                .order_by(CampaignUpdate.posted_at.desc(), CampaignUpdate.id.desc())))
