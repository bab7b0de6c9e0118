"""The emails of the ceremony: who must act, on what, and where.

Each function returns :class:`~pledge.services.notify.Outgoing` messages for the view to send
after its commit. Links are absolute, built from the configured public URL (never the request).
"""

from __future__ import annotations

from pledge.links import public_url
from pledge.models import Campaign, Trustee
from pledge.services.notify import Outgoing
from pledge.services.trustees import INVITATION_LIFETIME, Invitation


def _dashboard() -> str:
    return public_url("trustee.dashboard")


def invitation(campaign: Campaign, invite: Invitation) -> Outgoing:
    """The single-use link that offers a trustee seat."""
    return Outgoing(
        to=invite.trustee.email,
        subject="You are invited to be a Pledge trustee",
        template="trustee_invitation",
        context={
            "campaign": campaign, "trustee": invite.trustee,
            "link": public_url("trustee.invitation", secret=invite.secret),
            "days": INVITATION_LIFETIME.days,
        },
    )


def _to_trustees(campaign: Campaign, subject: str, template: str, **context) -> list[Outgoing]:
    return [
        Outgoing(to=trustee.email, subject=subject, template=template,
                 context={"campaign": campaign, "trustee": trustee, "link": _dashboard(), **context})
        for trustee in campaign.trustees
    ]


def deal_requests(campaign: Campaign) -> list[Outgoing]:
    """The campaign is frozen: each trustee downloads the package and posts a deal."""
    return _to_trustees(campaign, "Pledge ceremony: please post your deal", "ceremony_deal")


def board_ready(campaign: Campaign) -> list[Outgoing]:
    """Every deal is posted: each trustee checks the board and signs the transcript."""
    return _to_trustees(campaign, "Pledge ceremony: the board is complete", "ceremony_finish")


def halted(campaign: Campaign, accused: list[Trustee], reason: str) -> list[Outgoing]:
    """A complaint stopped the ceremony: tell the organizer and every trustee who is accused."""
    names = ", ".join(f"trustee {t.seat} ({t.name})" for t in accused)
    messages = _to_trustees(campaign, "Pledge ceremony halted by a complaint", "ceremony_halted",
                            accused=names, reason=reason)
    messages.append(Outgoing(
        to=campaign.organizer.email, subject="Pledge ceremony halted by a complaint", template="ceremony_halted",
        context={"campaign": campaign, "trustee": None, "accused": names, "reason": reason,
                 "link": public_url("organize.trustees", campaign_id=campaign.id)},
    ))
    return messages


def ready(campaign: Campaign) -> Outgoing:
    """Every trustee signed the same transcript: the organizer may launch."""
    return Outgoing(
        to=campaign.organizer.email, subject="Pledge ceremony complete: ready to launch", template="ceremony_ready",
        context={"campaign": campaign, "link": public_url("organize.trustees", campaign_id=campaign.id)},
    )


def restarted(campaign: Campaign, removed: Trustee) -> list[Outgoing]:
    """The organizer restarted without an accused trustee."""
    return _to_trustees(campaign, "Pledge ceremony restarted", "ceremony_restarted", removed=removed)


def launched(campaign: Campaign) -> list[Outgoing]:
    """Signing is open."""
    return _to_trustees(campaign, "Pledge campaign launched", "ceremony_launched",
                        page=public_url("public.campaign", slug=campaign.slug))


def round_revealed(campaign: Campaign, number: int) -> list[Outgoing]:
    """A round is open: tell the trustees and the organizer."""
    page = public_url("public.campaign", slug=campaign.slug)
    messages = _to_trustees(campaign, f"Pledge: round {number} is revealed", "round_revealed", number=number, page=page)
    messages.append(Outgoing(to=campaign.organizer.email, subject=f"Pledge: round {number} is revealed",
                             template="round_revealed", context={"campaign": campaign, "trustee": None,
                                                                 "number": number, "page": page}))
    return messages
