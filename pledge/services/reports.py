"""Reports from the public about a campaign, and the site admins' list of them.

A report keeps exactly what its sender typed: a reason from a short list, a message and, only if
they gave one, a contact address. The view reads nothing else of the request (no network address,
browser or cookie; its rate limit counts a keyed tag of the network in a window the tick purges,
like every other limit). Every active admin is emailed that a report arrived, with the campaign
and the reason; never the message or the contact address (mail passes through relays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.links import public_url
from pledge.models import Campaign, CampaignReport, ReportReason, Role, User, UserRole
from pledge.services.addresses import AddressError, split_address
from pledge.services.errors import NotFound, ServiceError
from pledge.services.notify import Outgoing

MAX_MESSAGE = 4000


class ReportError(ServiceError):
    """A report the form cannot accept (nothing was stored)."""


@dataclass(frozen=True)
class ReportForm:
    """What the sender typed, checked."""

    reason: ReportReason
    message: str
    contact: str | None


def check_report(reason: str, message: str, contact: str) -> ReportForm:
    """The form's fields checked, or a :class:`ReportError` naming the field."""
    try:
        chosen = ReportReason(reason)
    except ValueError:
        raise ReportError("Choose a reason.", field="reason") from None
    message = (message or "").replace("\r\n", "\n").strip()
    if not message:
        raise ReportError("Tell us what is wrong, in the message.", field="message")
    if len(message) > MAX_MESSAGE:
        raise ReportError(f"Keep the message under {MAX_MESSAGE:,} characters.", field="message")
    contact = (contact or "").strip()
    if contact:
        try:
            local, domain = split_address(contact)
        except AddressError:
            raise ReportError("The contact address is not a plain email address; leave it empty if you like.",
                              field="contact") from None
        contact = f"{local}@{domain}"
    return ReportForm(chosen, message, contact or None)


def file_report(session: Session, campaign: Campaign, form: ReportForm, now: datetime) -> list[Outgoing]:
    """Store the report; the emails to the admins to send once committed."""
    report = CampaignReport(campaign_id=campaign.id, reason=form.reason.value, message=form.message,
                            contact=form.contact, received_at=now)
    session.add(report)
    session.flush()
    link = public_url("admin.reports")
    return [Outgoing(to=admin.email, subject="Pledge: a campaign was reported", template="report_received",
                     context={"campaign": campaign, "reason": form.reason.label, "link": link})
            for admin in active_admins(session)]


def active_admins(session: Session) -> list[User]:
    """Every active site admin."""
    return list(session.scalars(select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.active.is_(True))
                                .order_by(User.id)))


def reports_by_campaign(session: Session) -> list[tuple[Campaign, list[CampaignReport]]]:
    """Every report, newest first, grouped by campaign (the campaign with the newest report first)."""
    grouped: dict[int, tuple[Campaign, list[CampaignReport]]] = {}
    for report in session.scalars(select(CampaignReport).order_by(CampaignReport.received_at.desc(),
                                                                  CampaignReport.id.desc())):
        grouped.setdefault(report.campaign_id, (report.campaign, []))[1].append(report)
    return list(grouped.values())


def mark_handled(session: Session, report_id: int, admin: User, now: datetime) -> CampaignReport:
    """Mark a report handled (idempotent refusal: a handled report says so)."""
    report = session.get(CampaignReport, report_id)
    if report is None:
        raise NotFound("No such report.")
    if report.handled_at is not None:
        raise ReportError("This report is already marked handled.")
    report.handled_at, report.handled_by_id = now, admin.id
    session.flush()
    return report
