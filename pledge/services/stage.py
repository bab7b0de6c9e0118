"""Where a campaign is in its lifecycle, in one word and one sentence, and its timeline.

Every page, JSON document, feed and dashboard that says what stage a campaign is at reads it
here (docs/protocol.md §8 has the lifecycle), so the badge, the API's ``stage`` and the sign
page never disagree. Nothing here says more of the counts than :mod:`pledge.services.progress`
lets the public know: the stage and timeline speak of rounds, dates and trustees, never of labs.

The keys: ``ceremony`` (key ceremony running, not yet signable), ``open``, ``threshold-met``
(round 1 frozen, reveal pending — or abandoned), ``revealed`` (a round is revealed; signing may
still be open), ``deadline-round`` (the deadline round frozen, reveal pending), ``closed``,
``expired``, ``taken-down``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, object_session

from crypto.formats.counts import count
from crypto.log_leaves import EventLeaf, parse_leaf
from pledge.models import Campaign, CampaignState, LogLeaf, TreeHead
from pledge.services.progress import Progress
from pledge.services.reveal import RoundState

#: The stage keys, in lifecycle order.
STAGE_KEYS = ("ceremony", "open", "threshold-met", "revealed", "deadline-round", "closed", "expired", "taken-down")

#: Every event leaf starts with these bytes (canonical JSON sorts ``event`` first).
_EVENT_PREFIX = b'{"event":"'


@dataclass(frozen=True)
class Stage:
    """A campaign's stage: ``key`` (one of :data:`STAGE_KEYS`), a short ``label`` for a badge,
    one plain ``sentence``, and ``since`` when the stage began (None if not known)."""

    key: str
    label: str
    sentence: str
    since: datetime | None

    def as_document(self) -> dict[str, str | None]:
        """The API's ``stage`` object."""
        return {"key": self.key, "label": self.label,
                "since": self.since.strftime("%Y-%m-%dT%H:%M:%SZ") if self.since else None}


@dataclass(frozen=True)
class Step:
    """One step of a campaign's timeline: ``status`` is ``done``, ``current``, ``future`` or
    ``skipped`` (it will never happen); ``when`` is when it happened (or, for the deadline, when it
    will)."""

    key: str
    title: str
    detail: str
    when: datetime | None
    status: str


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def event_times(session: Session, campaign: Campaign) -> dict[str, datetime]:
    """When each lifecycle event of the published log happened (its batch's head time), by
    ``event`` name, with ``-<round>`` for round events (``round-frozen-2``); share-destroyed
    events are left out. Reads only the event leaves."""
    rows = session.execute(
        select(LogLeaf.leaf, TreeHead.timestamp)
        .join(TreeHead, and_(TreeHead.campaign_id == LogLeaf.campaign_id, TreeHead.batch == LogLeaf.batch))
        .where(LogLeaf.campaign_id == campaign.id,
               func.substr(LogLeaf.leaf, 1, len(_EVENT_PREFIX)) == _EVENT_PREFIX)
        .order_by(LogLeaf.leaf_index)
    ).all()
    times: dict[str, datetime] = {}
    for leaf, timestamp in rows:
        event = parse_leaf(leaf)
        if not isinstance(event, EventLeaf) or event.event == "share-destroyed":
            continue
        name = f"{event.event}-{event.round}" if event.event.startswith("round-") else event.event
        times.setdefault(name, datetime.fromtimestamp(timestamp, UTC))
    return times


def _events(campaign: Campaign, events: Mapping[str, datetime] | None) -> Mapping[str, datetime]:
    if events is not None:
        return events
    if campaign.signing_ended_batch is None and campaign.state not in (CampaignState.CLOSED, CampaignState.EXPIRED):
        return {}  # before the deadline event, the database's own timestamps say everything
    session = object_session(campaign)
    return event_times(session, campaign) if session is not None else {}


def _posted(state: RoundState, campaign: Campaign) -> str:
    """The trustees' progress on a round: "1 of 2 posted so far"."""
    return f"{len(state.uploaded)} of {campaign.trustee_quorum} posted so far"


def _pending(state: RoundState | None) -> bool:
    return state is not None and not state.revealed and state.round.abandoned_at is None


def campaign_stage(campaign: Campaign, progress: Progress, rounds: list[RoundState], now: datetime, *,
                   events: Mapping[str, datetime] | None = None) -> Stage:
    """The stage of ``campaign`` as of ``now`` (``rounds`` from :func:`~pledge.services.reveal.rounds_of`;
    ``events`` from :func:`event_times`, read when needed if not given)."""
    state = campaign.state
    k = campaign.suppress_below
    if state == CampaignState.TAKEN_DOWN:
        return Stage("taken-down", "Taken down",
                     f"A site admin took this campaign down on {_day(campaign.taken_down_at)}: it takes no signature, "
                     "and no signature not yet revealed will ever be revealed.", campaign.taken_down_at)
    if state == CampaignState.EXPIRED:
        since = _events(campaign, events).get("expired")
        return Stage("expired", "Expired",
                     f"The deadline passed{' on ' + _day(since) if since else ''} before the threshold was met: nothing "
                     "was revealed, and every sealed signature is destroyed.", since)
    if state == CampaignState.CLOSED:
        since = _events(campaign, events).get("closed")
        return Stage("closed", "Closed",
                     f"The campaign closed{' on ' + _day(since) if since else ''}: every round is revealed or abandoned, "
                     "it takes no signature, and the signatures never revealed are destroyed.", since)
    if state in (CampaignState.DRAFT, CampaignState.CEREMONY):
        return Stage("ceremony", "Key ceremony" if state == CampaignState.CEREMONY else "Not launched",
                     "The trustees are making the campaign’s key: nobody can sign yet; signing opens when they finish."
                     if state == CampaignState.CEREMONY else "Not launched yet: nobody can sign it.", campaign.frozen_at)

    first = rounds[0] if rounds else None
    last = rounds[1] if len(rounds) > 1 else None
    accepting = campaign.accepting(now)
    if accepting:
        signing = f"Signing stays open until the deadline ({_day(campaign.deadline)})."
    elif campaign.signing_ended_batch is None:
        signing = "The deadline has passed: signing has ended, and the next batch of the log records it."
    else:
        signing = "Signing has ended."

    if last is not None and _pending(last):
        pending_one = " Round 1 is still waiting for its trustees too." if _pending(first) else ""
        return Stage("deadline-round", "Deadline round",
                     f"The deadline round froze on {_day(last.round.frozen_at)}: it reveals, per lab, the {k} or more "
                     f"signatures still waiting once {count(campaign.trustee_quorum, 'trustee')} post their partial "
                     f"decryptions ({_posted(last, campaign)}).{pending_one} Signing has ended.", last.round.frozen_at)
    revealed = [r for r in rounds if r.revealed]
    if revealed:
        latest = revealed[-1]
        which = "Round 1 was" if latest.round.number == 1 else "The deadline round was"
        after = (f" At the deadline a last round reveals, per lab, the signatures still waiting if there are at least {k}."
                 if accepting else "")
        return Stage("revealed", "Revealed", f"{which} revealed on {_day(latest.round.revealed_at)}. {signing}{after}",
                     latest.round.revealed_at)
    if first is not None:
        if first.round.abandoned_at is not None:
            return Stage("threshold-met", "Round 1 abandoned",
                         f"The threshold was met, but round 1 was abandoned on {_day(first.round.abandoned_at)}: the "
                         "trustees did not reveal it within the reveal window, and its sealed signatures were deleted "
                         f"unread. {signing}", first.round.abandoned_at)
        return Stage("threshold-met", "Threshold met, reveal pending",
                     f"The threshold was met on {_day(first.round.frozen_at)}: round 1 is frozen and is revealed once "
                     f"{count(campaign.trustee_quorum, 'trustee')} post their partial decryptions "
                     f"({_posted(first, campaign)}). {signing}", first.round.frozen_at)
    if not accepting:
        return Stage("open", "Deadline passed",
                     "The deadline has passed before the threshold was met: signing has ended, and the next batch of "
                     "the log records the expiry.", campaign.deadline)
    return Stage("open", "Open",
                 f"Open for signatures until {_day(campaign.deadline)}: every signature stays sealed until the threshold "
                 "is met.", campaign.launched_at)


def timeline(campaign: Campaign, progress: Progress, rounds: list[RoundState], now: datetime, *,
             events: Mapping[str, datetime] | None = None) -> list[Step]:
    """The campaign's lifecycle as steps, in order: launched, threshold met (round 1 frozen),
    round 1 revealed or abandoned, deadline, deadline round, and the end (closed, expired or taken
    down); each with its date once it happened."""
    events = _events(campaign, events)
    state = campaign.state
    stage = campaign_stage(campaign, progress, rounds, now, events=events)
    k, t = campaign.suppress_below, campaign.trustee_quorum
    first = rounds[0] if rounds else None
    last = rounds[1] if len(rounds) > 1 else None
    ended_early = state == CampaignState.TAKEN_DOWN
    deadline_reached = now >= campaign.deadline or campaign.signing_ended_batch is not None

    steps = []
    if campaign.launched_at is not None:
        steps.append(Step("launched", "Launched: signing opened", "The trustees made the campaign’s key.",
                          campaign.launched_at, "done"))
    else:
        steps.append(Step("launched", "Launch: signing opens",
                          "When the trustees finish the key ceremony." if not ended_early else "Never launched.",
                          None, "skipped" if ended_early else "current" if stage.key == "ceremony" else "future"))

    if first is not None:
        steps.append(Step("threshold", "Threshold met: round 1 frozen",
                          f"Round 1 lists, per lab, all of its signatures if there are at least {k}, and none otherwise.",
                          first.round.frozen_at, "done"))
    else:
        never = ended_early or state == CampaignState.EXPIRED or (campaign.launched_at is not None and deadline_reached)
        status = "skipped" if never else ("current" if stage.key == "open" else "future")
        per_lab = (f", with at least {campaign.min_per_lab} at each of {count(campaign.min_labs, 'lab')}"
                   if campaign.min_labs else "")
        detail = ("Not met before the deadline." if never and not ended_early else "Not met." if never else
                  f"When there are at least {count(campaign.min_total, 'signature')} overall{per_lab}, before the "
                  "deadline.")
        steps.append(Step("threshold", "Threshold met: round 1 frozen", detail, None, status))

    steps.append(_round_step(campaign, first, "round-1", "Round 1", never=first is None and (
        ended_early or state == CampaignState.EXPIRED or deadline_reached)))

    steps.append(Step("deadline", "Deadline: signing ends",
                      "Taken down before it." if ended_early and now < campaign.deadline else
                      "No signature is taken after it.", campaign.deadline,
                      "skipped" if ended_early and now < campaign.deadline else
                      "done" if deadline_reached else ("current" if stage.key == "revealed" and campaign.accepting(now)
                                                       else "future")))

    if last is not None:
        steps.append(_round_step(campaign, last, "deadline-round", "Deadline round", never=False))
    elif campaign.signing_ended_batch is not None and first is not None:
        steps.append(Step("deadline-round", "Deadline round",
                          f"None: at the deadline no lab had {k} or more signatures waiting, so nothing more is revealed.",
                          events.get("signing-ended"), "skipped"))
    elif first is None and (state == CampaignState.EXPIRED or deadline_reached) or ended_early:
        steps.append(Step("deadline-round", "Deadline round", "None: round 1 never froze." if not ended_early else
                          "None: the campaign was taken down.", None, "skipped"))
    else:
        steps.append(Step("deadline-round", "Deadline round",
                          f"At the deadline, if round 1 froze: per lab, the signatures no round listed, if there are at "
                          f"least {k}; revealed once {count(t, 'trustee')} post their partial decryptions.", None, "future"))

    if state == CampaignState.CLOSED:
        steps.append(Step("end", "Closed", "Every round is revealed or abandoned; the signatures never revealed are "
                          "destroyed, and the trustees destroy their shares.", events.get("closed"), "done"))
    elif state == CampaignState.EXPIRED:
        steps.append(Step("end", "Expired", "Nothing was revealed; every sealed signature is destroyed, and the trustees "
                          "destroy their shares.", events.get("expired"), "done"))
    elif ended_early:
        steps.append(Step("end", "Taken down", "A site admin took the campaign down: signatures not yet revealed never "
                          "will be.", campaign.taken_down_at, "done"))
    else:
        steps.append(Step("end", "Closed", "After the deadline, once every round is revealed or abandoned: the signatures "
                          "never revealed are destroyed.", None, "future"))
    return steps


def _round_step(campaign: Campaign, state: RoundState | None, key: str, name: str, *, never: bool) -> Step:
    if state is None:
        return Step(key, f"{name} revealed", "Never frozen." if never else
                    f"Once {count(campaign.trustee_quorum, 'trustee')} post their partial decryptions.",
                    None, "skipped" if never else "future")
    if state.revealed:
        return Step(key, f"{name} revealed", f"Frozen {_day(state.round.frozen_at)}; opened with the partial "
                    f"decryptions of {count(len(state.uploaded), 'trustee')}.", state.round.revealed_at, "done")
    if state.round.abandoned_at is not None:
        return Step(key, f"{name} abandoned", "Not revealed within the reveal window: its sealed signatures were "
                    "deleted unread.", state.round.abandoned_at, "done")
    if campaign.state == CampaignState.TAKEN_DOWN:
        return Step(key, f"{name} revealed", "Never: the campaign was taken down.", None, "skipped")
    return Step(key, f"{name} revealed", f"Frozen {_day(state.round.frozen_at)}, waiting for the trustees’ partial "
                f"decryptions ({_posted(state, campaign)}). If it is not revealed by {_day(state.window_ends)}, it is abandoned.",
                None, "current")


def trustee_sentence(stage: Stage, campaign: Campaign) -> str:
    """What the stage asks of a trustee, in one or two sentences ("" while the ceremony runs: the
    dashboard lists its steps)."""
    k = campaign.suppress_below
    keep = "Keep share.json and its passphrase safe and offline"
    if stage.key == "open":
        if stage.label == "Deadline passed":
            return f"The deadline passed before the threshold was met. {keep} until the expiry is recorded; then destroy it."
        return f"The campaign is open. {keep}; you will be asked to help reveal only if the threshold is met."
    if stage.key == "threshold-met":
        if stage.label == "Round 1 abandoned":
            return (f"Round 1 was abandoned. {keep}: the deadline round will need you if a lab has at least "
                    f"{count(k, 'signature')} waiting at the deadline.")
        return "The threshold is met: round 1 needs your partial decryptions (below)."
    if stage.key == "revealed":
        if campaign.signing_ended_batch is None:
            return (f"Round 1 is revealed: your part in it is done. {keep}: at the deadline, the deadline round will "
                    f"need you if a lab has at least {count(k, 'signature')} waiting.")
        return f"Every round so far is revealed: your part is done. {keep} until the campaign closes; then destroy it."
    if stage.key == "deadline-round":
        return "The deadline round is frozen: it needs your partial decryptions (below)."
    if stage.key == "closed":
        return ("The campaign is closed: every round is revealed or abandoned. Nothing more will ever be revealed: "
                "destroy your share and confirm it (below).")
    if stage.key == "expired":
        return "The campaign expired: nothing will ever be revealed. Check the expiry, destroy your share and confirm it (below)."
    if stage.key == "taken-down":
        return "The campaign was taken down: nothing more will ever be revealed, and nothing will need your share again."
    return ""


def current_stage(session: Session, campaign: Campaign, now: datetime) -> Stage:
    """The stage of ``campaign`` as of ``now``, reading its progress and rounds (for pages that
    show only the badge: the home page, the sign page, the dashboards, the API)."""
    from pledge.services.progress import campaign_progress
    from pledge.services.reveal import rounds_of

    return campaign_stage(campaign, campaign_progress(campaign, now, session), rounds_of(session, campaign), now)
