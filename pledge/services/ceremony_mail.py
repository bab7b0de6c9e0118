"""The emails of the ceremony: who must act, on what, and where.

Each function returns :class:`~pledge.services.notify.Outgoing` messages for the view to send
after its commit. Links are absolute, built from the configured public URL (never the request).
"""

from __future__ import annotations

from pledge.links import public_url
from pledge.models import Campaign, CeremonyComplaint
from pledge.services.ceremony import Restart
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


def _organizer_page(campaign: Campaign) -> str:
    return public_url("organize.trustees", campaign_id=campaign.id)


def complaint_filed(campaign: Campaign, complaints: list[CeremonyComplaint]) -> list[Outgoing]:
    """A complaint halted the ceremony: the accused is asked to answer by its date; the organizer
    and the other trustees are told what happens next."""
    names = campaign.trustee_names
    accused_seats = sorted({c.accused_seat for c in complaints})
    lines = [f"trustee {c.complainant_seat} ({names.get(c.complainant_seat)}) accuses trustee {c.accused_seat} "
             f"({names.get(c.accused_seat)}): {c.reason.replace('-', ' ')}; answer due by "
             f"{c.answer_due_at:%Y-%m-%d %H:%M UTC}" for c in complaints]
    messages = []
    for trustee in campaign.trustees:
        if trustee.seat in accused_seats:
            mine = [c for c in complaints if c.accused_seat == trustee.seat]
            messages.append(Outgoing(
                to=trustee.email, subject="Pledge ceremony: a complaint against your deal: please answer",
                template="ceremony_accused",
                context={"campaign": campaign, "trustee": trustee, "complaints": mine, "link": _dashboard(),
                         "due": max(c.answer_due_at for c in mine)},
            ))
        else:
            messages.append(Outgoing(
                to=trustee.email, subject="Pledge ceremony halted by a complaint", template="ceremony_halted",
                context={"campaign": campaign, "trustee": trustee, "lines": lines, "link": _dashboard()},
            ))
    messages.append(Outgoing(
        to=campaign.organizer.email, subject="Pledge ceremony halted by a complaint", template="ceremony_halted",
        context={"campaign": campaign, "trustee": None, "lines": lines, "link": _organizer_page(campaign)},
    ))
    return messages


def ready(campaign: Campaign, transcript: bytes) -> Outgoing:
    """Every trustee signed the same ``transcript``: the organizer may launch."""
    return Outgoing(
        to=campaign.organizer.email, subject="Pledge ceremony complete: ready to launch", template="ceremony_ready",
        context={"campaign": campaign, "transcript": transcript,
                 "link": public_url("organize.trustees", campaign_id=campaign.id)},
    )


def restarted(campaign: Campaign, restart: Restart, removed_by_organizer: bool) -> list[Outgoing]:
    """The ceremony run ended (verdicts, or the organizer replacing a late trustee): everyone,
    the removed trustees included, learns what happened and what comes next."""
    context = {"campaign": campaign, "outcome": restart.archive.outcome, "removed": restart.removed,
               "by_organizer": removed_by_organizer}
    subject = "Pledge ceremony restarts: " + ", ".join(f"trustee {r.seat} removed" for r in restart.removed)
    messages = [Outgoing(to=t.email, subject=subject, template="ceremony_restarted",
                         context={**context, "trustee": t, "you_removed": None, "link": _dashboard()})
                for t in campaign.trustees]
    messages += [Outgoing(to=r.email, subject=subject, template="ceremony_restarted",
                          context={**context, "trustee": None, "you_removed": r, "link": None})
                 for r in restart.removed]
    messages.append(Outgoing(to=campaign.organizer.email, subject=subject, template="ceremony_restarted",
                             context={**context, "trustee": None, "you_removed": None, "organizer": True,
                                      "link": _organizer_page(campaign)}))
    return messages


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
