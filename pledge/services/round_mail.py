"""The emails a round's end sends: a round abandoned after its reveal window, a campaign closed.

A round the trustees do not reveal within the campaign's reveal window of its freeze is abandoned
by the tick's next batch (:mod:`pledge.services.batches`): its sealed signatures and openings are
deleted unread. The trustees and the organizer are told which round, why, what was deleted and
what comes next; once the campaign has ended, each trustee is asked to destroy their share and
confirm it. Links come from the configured public URL (:mod:`pledge.links`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.links import public_url
from pledge.models import Campaign, RevealRound, TreeHead, present
from pledge.services.batches import ENDED_STATES
from pledge.services.notify import Outgoing
from pledge.templating import duration


def window_end(session: Session, campaign: Campaign, round_: RevealRound) -> datetime:
    """When ``round_``'s reveal window ends: its freeze head's time plus the window."""
    head = present(session.get(TreeHead, (campaign.id, round_.batch)), f"round {round_.number}'s head")
    return datetime.fromtimestamp(head.timestamp + campaign.reveal_window_seconds, UTC)


def abandoned(session: Session, campaign: Campaign, rounds: tuple[tuple[RevealRound, int], ...]) -> list[Outgoing]:
    """A batch abandoned ``rounds`` (each with how many entries it listed): tell every trustee and
    the organizer. A round's freeze time is its head's (the log's clock, which the window counts from)."""
    if not rounds:
        return []
    waiting = [(r, window_end(session, campaign, r)) for r in session.scalars(
        select(RevealRound).where(RevealRound.campaign_id == campaign.id, RevealRound.revealed_at.is_(None),
                                  RevealRound.abandoned_at.is_(None)).order_by(RevealRound.number))]
    numbers = ", ".join(str(r.number) for r, _ in rounds)
    subject = f"Pledge: round {numbers} was not revealed in time and is abandoned"
    context = {
        "campaign": campaign, "abandoned": [{"number": r.number, "entries": n, "frozen_at": window_end(session, campaign, r)
                                      - timedelta(seconds=campaign.reveal_window_seconds)} for r, n in rounds],
        "window": duration(campaign.reveal_window_seconds), "ended": campaign.state in ENDED_STATES,
        "signing": campaign.signing_ended_batch is None, "waiting": waiting,
        "page": public_url("public.campaign", slug=campaign.slug),
    }
    messages = [Outgoing(to=t.email, subject=subject, template="round_abandoned",
                         context={**context, "trustee": t, "link": public_url("trustee.dashboard")})
                for t in campaign.trustees]
    messages.append(Outgoing(to=campaign.organizer.email, subject=subject, template="round_abandoned",
                             context={**context, "trustee": None, "link": public_url("organize.dashboard")}))
    return messages


def closed(campaign: Campaign) -> list[Outgoing]:
    """The campaign closed (every round revealed or abandoned): each trustee destroys their share."""
    return [Outgoing(to=t.email, subject="Pledge: the campaign is closed, please destroy your share",
                     template="campaign_closed",
                     context={"campaign": campaign, "trustee": t, "link": public_url("trustee.dashboard"),
                              "page": public_url("public.campaign", slug=campaign.slug)})
            for t in campaign.trustees]
