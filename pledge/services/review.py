"""Review by a site admin: a campaign goes public only once an admin approves it.

The organizer submits a complete draft; while it waits it cannot be edited (so the admin approves
exactly what goes public). An admin approves it (the organizer may then freeze it for the key
ceremony) or refuses it with a note (it is an editable draft again). The organizer may also take
a submission back to edit it, which clears any approval.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pledge.models import Campaign, CampaignState, User
from pledge.services.errors import ServiceError

MAX_NOTE = 4000


class ReviewError(ServiceError):
    """A review step the campaign's state does not allow."""


def _draft(campaign: Campaign) -> None:
    if campaign.state != CampaignState.DRAFT:
        raise ReviewError("This campaign is already frozen; review is over.")


def submit(session: Session, campaign: Campaign, now: datetime) -> None:
    """Send the draft to the site admins. It must have at least one condition and one lab."""
    _draft(campaign)
    if campaign.submitted_at is not None:
        raise ReviewError("This campaign is already submitted for review.")
    if not campaign.conditions:
        raise ReviewError("Add at least one condition before submitting.")
    if not campaign.lab_links:
        raise ReviewError("Choose at least one eligible lab before submitting.")
    campaign.submitted_at, campaign.approved_at, campaign.approved_by_id = now, None, None
    campaign.review_note = None
    session.flush()


def take_back(session: Session, campaign: Campaign) -> None:
    """The organizer takes a submission back to edit it; an approval is cleared with it."""
    _draft(campaign)
    if campaign.submitted_at is None:
        raise ReviewError("This campaign is not submitted.")
    campaign.submitted_at, campaign.approved_at, campaign.approved_by_id = None, None, None
    session.flush()


def approve(session: Session, campaign: Campaign, admin: User | None, now: datetime) -> None:
    """A site admin approves the submitted draft (``admin`` None: the demo seed)."""
    _draft(campaign)
    if campaign.submitted_at is None:
        raise ReviewError("Only a submitted campaign can be approved.")
    if campaign.approved_at is not None:
        raise ReviewError("This campaign is already approved.")
    campaign.approved_at, campaign.approved_by_id = now, admin.id if admin is not None else None
    campaign.review_note = None
    session.flush()


def refuse(session: Session, campaign: Campaign, admin: User, note: str) -> None:
    """A site admin refuses the submitted draft with a note to the organizer; it is a draft again."""
    _draft(campaign)
    if campaign.submitted_at is None:
        raise ReviewError("Only a submitted campaign can be refused.")
    note = note.replace("\r\n", "\n").strip()
    if not note:
        raise ReviewError("Tell the organizer why, in a note.", field="note")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"Keep the note under {MAX_NOTE:,} characters.", field="note")
    campaign.submitted_at, campaign.approved_at, campaign.approved_by_id = None, None, None
    campaign.review_note = note
    session.flush()
