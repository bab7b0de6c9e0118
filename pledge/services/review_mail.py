"""The emails of review: to every active admin when a campaign is submitted, to the organizer when
it is approved or refused. Built as :class:`~pledge.services.notify.Outgoing` so that views send
them after the commit; :func:`notify_submitted` sends at once (call it after the commit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pledge.links import public_url
from pledge.models import Campaign
from pledge.services.notify import Outgoing, send_all
from pledge.services.reports import active_admins


def submitted(session: Session, campaign: Campaign) -> list[Outgoing]:
    """One message to every active admin: a campaign waits for review."""
    link = public_url("admin.review_campaign", campaign_id=campaign.id)
    return [Outgoing(to=admin.email, subject="Pledge: a campaign waits for review", template="review_submitted",
                     context={"campaign": campaign, "link": link, "queue": public_url("admin.review_queue")})
            for admin in active_admins(session)]


def notify_submitted(session: Session, campaign: Campaign) -> list[Outgoing]:
    """Email every active admin that ``campaign`` was submitted (call after the commit that
    submitted it); returns the messages that could not be delivered."""
    return send_all(submitted(session, campaign))


def approved(campaign: Campaign) -> list[Outgoing]:
    """The organizer: approved, they may now freeze it for the key ceremony."""
    return [Outgoing(to=campaign.organizer.email, subject=f"Pledge: \u201c{campaign.title}\u201d is approved",
                     template="review_approved",
                     context={"campaign": campaign, "link": public_url("organize.trustees", campaign_id=campaign.id)})]


def refused(campaign: Campaign) -> list[Outgoing]:
    """The organizer: refused, with the admin's note verbatim; the draft is editable again."""
    return [Outgoing(to=campaign.organizer.email, subject=f"Pledge: \u201c{campaign.title}\u201d was not approved",
                     template="review_refused",
                     context={"campaign": campaign, "note": campaign.review_note or "",
                              "link": public_url("organize.preview", campaign_id=campaign.id)})]
