"""After the reveal: condition status per lab, and dated updates with an Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.models import Campaign, CampaignState, CampaignUpdate, ConditionStatus
from pledge.services.errors import ServiceError

REVEALED_STATES = (CampaignState.REVEALED, CampaignState.CLOSED)


class OutcomeError(ServiceError):
    """A status or update the organizer cannot record as given."""


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 500 or any(ch.isspace() for ch in url):
        raise OutcomeError("Give the evidence as a full http(s) link.", field="evidence_url")
    return url


def record_status(session: Session, campaign: Campaign, *, condition_id: int, lab_id: int, met: bool,
                  decided_on: date, evidence_url: str, today: date) -> ConditionStatus:
    """Set whether ``lab`` meets ``condition`` (only after the reveal), with a date and evidence."""
    if campaign.state not in REVEALED_STATES:
        raise OutcomeError("Conditions are tracked after the signatures are revealed.")
    if condition_id not in {c.id for c in campaign.conditions} or lab_id not in {link.lab_id for link in campaign.lab_links}:
        raise OutcomeError("No such condition or lab in this campaign.")
    if decided_on > today:
        raise OutcomeError("The date cannot be in the future.", field="decided_on")
    row = session.get(ConditionStatus, (campaign.id, condition_id, lab_id))
    if row is None:
        row = ConditionStatus(campaign_id=campaign.id, condition_id=condition_id, lab_id=lab_id)
        session.add(row)
    row.met, row.decided_on, row.evidence_url = met, decided_on, _check_url(evidence_url)
    session.flush()
    return row


@dataclass(frozen=True)
class Cell:
    """One lab × condition cell of the public table."""

    status: ConditionStatus | None


def status_table(session: Session, campaign: Campaign) -> dict[tuple[int, int], ConditionStatus]:
    """Recorded statuses by (condition id, lab id)."""
    rows = session.scalars(select(ConditionStatus).where(ConditionStatus.campaign_id == campaign.id))
    return {(row.condition_id, row.lab_id): row for row in rows}


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
