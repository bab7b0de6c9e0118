"""A campaign's Atom feed: one entry per stage change, update and condition judgement.

The feed is the list of :data:`FEED_SOURCES`, each a function ``(session, campaign) ->
list[FeedEntry]``, merged newest first: another source (condition judgements, statements) is one
more line there. Stage changes carry the time they happened: the database's own timestamps
(launch, freezes, reveals, abandonments, takedown) and, for the deadline and end events, the time
of the log batch that published them. Like the campaign page, no entry says anything of a lab's
count before a reveal.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from crypto.formats.counts import count
from pledge.models import Campaign, CampaignState
from pledge.services.feed_entry import FeedEntry
from pledge.services.markdown import render_markdown
from pledge.services.outcome_feed import condition_feed_entries, withholding_feed_entries
from pledge.services.outcomes import updates_of
from pledge.services.reveal import rounds_of
from pledge.services.stage import event_times

FeedSource = Callable[[Session, Campaign], list[FeedEntry]]


def _round_name(number: int) -> str:
    return "Round 1" if number == 1 else "The deadline round"


def stage_feed_entries(session: Session, campaign: Campaign) -> list[FeedEntry]:
    """One entry for each stage change so far: launched, threshold met (round 1 frozen), each round
    revealed, the deadline round frozen, each round abandoned, signing ended without a deadline
    round, closed, expired, taken down."""
    entries = []
    t, k = campaign.trustee_quorum, campaign.suppress_below
    if campaign.launched_at is not None:
        entries.append(FeedEntry("launched", "Launched: open for signatures", campaign.launched_at,
                                 "The trustees made the campaign’s key: signing is open until "
                                 f"{campaign.deadline:%Y-%m-%d %H:%M} UTC. Every signature stays sealed until the "
                                 "threshold is met.", anchor="stage"))
    for state in rounds_of(session, campaign):
        number, round_ = state.round.number, state.round
        if number == 1:
            entries.append(FeedEntry("threshold-met", "Threshold met: round 1 frozen", round_.frozen_at,
                                     f"Round 1 is frozen; it is revealed once {count(t, 'trustee')} post their partial "
                                     "decryptions. A signature made from now on waits for the deadline round: it is "
                                     f"revealed then only if its lab has at least {count(k, 'signature')} waiting.",
                                     anchor="timeline"))
        else:
            entries.append(FeedEntry(f"round-{number}-frozen", "Deadline round frozen", round_.frozen_at,
                                     "Signing has ended. The deadline round is frozen: it reveals, per lab, the "
                                     f"signatures still waiting if there are at least {k}, once {count(t, 'trustee')} "
                                     "post their partial decryptions.", anchor="timeline"))
        if round_.revealed_at is not None:
            entries.append(FeedEntry(f"round-{number}-revealed", f"{_round_name(number)} revealed", round_.revealed_at,
                                     f"{_round_name(number)} is revealed: its signatures are on the campaign page.",
                                     anchor="signatures-heading"))
        if round_.abandoned_at is not None:
            entries.append(FeedEntry(f"round-{number}-abandoned", f"{_round_name(number)} abandoned", round_.abandoned_at,
                                     f"{_round_name(number)} was not revealed within the reveal window: its sealed "
                                     "signatures were deleted unread.", anchor="timeline"))
    events = event_times(session, campaign) if campaign.signing_ended_batch is not None else {}
    if "signing-ended" in events:
        entries.append(FeedEntry("signing-ended", "Signing ended: no deadline round", events["signing-ended"],
                                 f"The deadline passed. No lab had {k} or more signatures waiting, so nothing more is "
                                 "revealed.", anchor="timeline"))
    if campaign.state == CampaignState.CLOSED:
        entries.append(FeedEntry("closed", "Closed", events.get("closed", campaign.updated_at),
                                 "Every round is revealed or abandoned. The signatures never revealed are destroyed, "
                                 "and the trustees destroy their shares.", anchor="stage"))
    if campaign.state == CampaignState.EXPIRED:
        entries.append(FeedEntry("expired", "Expired: nothing was revealed", events.get("expired", campaign.updated_at),
                                 "The deadline passed before the threshold was met. Every sealed signature is "
                                 "destroyed, and the trustees destroy their shares.", anchor="stage"))
    if campaign.state == CampaignState.TAKEN_DOWN and campaign.taken_down_at is not None:
        entries.append(FeedEntry("taken-down", "Taken down", campaign.taken_down_at,
                                 f"A site admin took this campaign down. {campaign.takedown_notice or ''}".strip(),
                                 anchor="stage"))
    return entries


def update_feed_entries(session: Session, campaign: Campaign) -> list[FeedEntry]:
    """The organizer's updates."""
    return [FeedEntry(f"update-{update.id}", update.title, update.posted_at, update.title, anchor=f"update-{update.id}",
                      html=str(render_markdown(update.body)))
            for update in updates_of(session, campaign)]


#: Every source of a campaign's feed, in no particular order (the feed sorts them).
FEED_SOURCES: list[FeedSource] = [
    stage_feed_entries,
    update_feed_entries,
    condition_feed_entries,
    withholding_feed_entries,
]


def campaign_feed(session: Session, campaign: Campaign, sources: list[FeedSource] | None = None) -> list[FeedEntry]:
    """Every entry of the campaign's feed, newest first (ties: by key, so the order is stable).
    Raises ``ValueError`` if two entries share a key: each key is an Atom id."""
    entries = [entry for source in (FEED_SOURCES if sources is None else sources) for entry in source(session, campaign)]
    keys = [entry.key for entry in entries]
    if len(set(keys)) != len(keys):
        raise ValueError(f"two feed entries share a key: {sorted(k for k in keys if keys.count(k) > 1)}")
    return sorted(entries, key=lambda entry: (entry.updated, entry.key), reverse=True)
