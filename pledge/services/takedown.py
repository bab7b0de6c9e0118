"""Takedown by a site admin (docs/threat-model.md, "Review, takedown and reports").

A site admin may take down any public campaign with a public notice, shown at the top of its page
in place of everything else it said. What a takedown does is permanent:

- the campaign leaves every listing; its page still answers at its address, with the notice;
- signing and withdrawal stop at once (the campaign is no longer in a signing state);
- every sealed signature never revealed loses its ciphertext and its opening now, as at an
  expiry, and the issuance records go; no pending round can be revealed any more (the server marks
  it abandoned, as the log's replay does at the event);
- a launched campaign whose log had not ended gets a ``taken-down`` event in its next batch
  (:mod:`pledge.services.batches` publishes the signatures accepted before it first); a campaign
  still in its key ceremony has no log and simply ends; a closed or expired campaign's log has
  already ended, so it gets no event (its record keeps its outcome);
- the trustees are asked to destroy their shares and confirm it (a ``share-destroyed`` event is
  accepted after a takedown), and the organizer is told.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from crypto import log_leaves
from pledge.links import public_url
from pledge.models import Campaign, CampaignState, Entry, PendingEvent, RevealRound, TokenIssuance, User
from pledge.services.errors import ServiceError
from pledge.services.notify import Outgoing

#: The longest public notice, in characters.
MAX_NOTICE = 2000

#: The states a takedown applies to: every public state but taken-down itself.
TAKEABLE_STATES = (CampaignState.CEREMONY, CampaignState.OPEN, CampaignState.REVEALED, CampaignState.CLOSED,
                   CampaignState.EXPIRED)

#: States whose log has not ended: a takedown appends the ``taken-down`` event.
_LOG_OPEN_STATES = (CampaignState.OPEN, CampaignState.REVEALED)


class TakedownError(ServiceError):
    """A takedown the campaign's state or the notice does not allow."""


def clean_notice(notice: str) -> str:
    """The notice as it will be shown (line breaks normalized, outer space trimmed), or a refusal."""
    notice = (notice or "").replace("\r\n", "\n").strip()
    if not notice:
        raise TakedownError("Write the public notice: it is shown on the campaign's page in its place.", field="notice")
    if len(notice) > MAX_NOTICE:
        raise TakedownError(f"Keep the notice under {MAX_NOTICE:,} characters.", field="notice")
    return notice


def can_take_down(campaign: Campaign) -> bool:
    """Whether the campaign is public and not already taken down."""
    return campaign.state in TAKEABLE_STATES


def take_down(session: Session, campaign: Campaign, admin: User, notice: str, now: datetime) -> list[Outgoing]:
    """Take ``campaign`` down with the public ``notice``; the emails to send once committed."""
    if campaign.state == CampaignState.TAKEN_DOWN:
        raise TakedownError("This campaign is already taken down.")
    if not can_take_down(campaign):
        raise TakedownError("Only a public campaign can be taken down; a draft is not public.")
    notice = clean_notice(notice)
    before = campaign.state
    campaign.state = CampaignState.TAKEN_DOWN
    campaign.taken_down_at, campaign.takedown_notice = now, notice
    if before in _LOG_OPEN_STATES and campaign.launched_at is not None:
        event = log_leaves.EventLeaf("taken-down")
        session.add(PendingEvent(campaign_id=campaign.id, leaf=log_leaves.encode_leaf(event), created_at=now))
        # No pending round can be revealed any more: the replay abandons them at the event.
        session.execute(update(RevealRound).where(
            RevealRound.campaign_id == campaign.id, RevealRound.revealed_at.is_(None),
            RevealRound.abandoned_at.is_(None)).values(abandoned_at=now))
    destroy_sealed(session, campaign)
    session.flush()
    return _emails(campaign, launched=before != CampaignState.CEREMONY)


def destroy_sealed(session: Session, campaign: Campaign) -> None:
    """Delete the ciphertext and opening of every entry never revealed, and the issuance records."""
    session.execute(update(Entry).where(Entry.campaign_id == campaign.id, Entry.revealed_round.is_(None))
                    .values(ciphertext=None, opening=None))
    session.execute(delete(TokenIssuance).where(TokenIssuance.campaign_id == campaign.id))


def _emails(campaign: Campaign, *, launched: bool) -> list[Outgoing]:
    page = public_url("public.campaign", slug=campaign.slug)
    subject = f"Pledge: \u201c{campaign.title}\u201d was taken down"
    messages = [Outgoing(to=trustee.email, subject=subject + ": please destroy your share", template="takedown_trustee",
                         context={"campaign": campaign, "trustee": trustee, "launched": launched, "page": page,
                                  "link": public_url("trustee.dashboard")})
                for trustee in campaign.trustees if trustee.email]
    messages.append(Outgoing(to=campaign.organizer.email, subject=subject, template="takedown_organizer",
                             context={"campaign": campaign, "launched": launched, "page": page}))
    return messages
