"""The organizer's path through a campaign: the steps, which are done, and the next one.

Draft → conditions → preview → trustees → review by a site admin → key ceremony (freeze) →
launch. Every organizer page shows the steps (:func:`steps_of`) and one "Next" (:func:`next_of`):
a link to the next step, or the reason it is not possible yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from crypto.formats.counts import count
from pledge.models import Campaign, CampaignState

#: The steps in order: (key, label).
STEPS = (
    ("draft", "Write the draft"),
    ("conditions", "Conditions"),
    ("preview", "Preview"),
    ("trustees", "Invite trustees"),
    ("review", "Site admin's review"),
    ("ceremony", "Key ceremony"),
    ("launch", "Launch"),
)


@dataclass(frozen=True)
class Step:
    """One step of the path as the indicator shows it."""

    key: str
    label: str
    number: int
    #: "done", "current" (the page shown) or "next" (still to do).
    state: str
    url: str | None


@dataclass(frozen=True)
class NextStep:
    """What to do next: ``label`` with a link ``url``, or the ``reason`` it cannot be done yet."""

    label: str
    url: str | None = None
    reason: str | None = None
    #: The next step is a button on this very page (the form with ``id`` ``anchor``).
    anchor: str | None = None


def _trustees_ready(campaign: Campaign) -> bool:
    return len(campaign.trustees) == campaign.trustee_count and all(t.has_keys for t in campaign.trustees)


def _done(campaign: Campaign, key: str) -> bool:
    past_draft = campaign.state != CampaignState.DRAFT
    return {
        "draft": True,
        "conditions": bool(campaign.conditions),
        "preview": past_draft or campaign.submitted_at is not None,
        "trustees": past_draft or _trustees_ready(campaign),
        "review": past_draft or campaign.approved_at is not None,
        "ceremony": campaign.launched_at is not None,
        "launch": campaign.launched_at is not None,
    }[key]


def page_step(campaign: Campaign | None, page: str) -> str:
    """The step a page stands for: the trustees page is also the ceremony's and the launch's,
    and the preview of a submitted draft is the review's."""
    if campaign is None:
        return "draft"
    if page == "trustees":
        if campaign.launched_at is not None:
            return "launch"
        return "trustees" if campaign.state == CampaignState.DRAFT else "ceremony"
    if page == "preview" and (campaign.submitted_at is not None or campaign.state != CampaignState.DRAFT):
        return "review" if campaign.state == CampaignState.DRAFT else "ceremony"
    return page


def _url(campaign: Campaign, key: str) -> str | None:
    editable = campaign.is_editable
    return {
        "draft": url_for("organize.edit_campaign", campaign_id=campaign.id) if editable else None,
        "conditions": url_for("organize.conditions", campaign_id=campaign.id),
        "preview": url_for("organize.preview", campaign_id=campaign.id),
        "trustees": url_for("organize.trustees", campaign_id=campaign.id),
        "review": url_for("organize.preview", campaign_id=campaign.id, _anchor="review"),
        "ceremony": url_for("organize.trustees", campaign_id=campaign.id),
        "launch": url_for("organize.trustees", campaign_id=campaign.id),
    }[key]


def steps_of(campaign: Campaign | None, page: str) -> list[Step]:
    """The step indicator of ``page`` (a step key, or "trustees"/"preview" resolved by state)."""
    current = page_step(campaign, page)
    out = []
    for number, (key, label) in enumerate(STEPS, start=1):
        if key == current:
            state = "current"
        elif campaign is not None and _done(campaign, key):
            state = "done"
        else:
            state = "next"
        out.append(Step(key, label, number, state, _url(campaign, key) if campaign is not None else None))
    return out


def _keys_missing(campaign: Campaign) -> str | None:
    empty = campaign.trustee_count - len(campaign.trustees)
    if empty > 0:
        return f"Invite {count(empty, 'more trustee')}: {count(campaign.trustee_count, 'seat')}, " \
            f"{len(campaign.trustees)} taken."
    waiting = sum(1 for t in campaign.trustees if not t.has_keys)
    if waiting:
        return f"{count(waiting, 'trustee')} {'has' if waiting == 1 else 'have'} not registered their keys."
    return None


def _review_next(campaign: Campaign) -> NextStep:
    if campaign.submitted_at is None:
        if not campaign.conditions:
            return NextStep("Submit for review", reason="Add at least one condition first.")
        if not campaign.lab_links:
            return NextStep("Submit for review", reason="Choose at least one eligible lab first.")
        if campaign.review_note:
            return NextStep("Edit and submit again", url_for("organize.preview", campaign_id=campaign.id,
                                                              _anchor="review"), anchor="review")
        return NextStep("Submit for review", _url(campaign, "review"), anchor="review")
    return NextStep("Freeze for the key ceremony", reason="Waiting for a site admin's review.")


def _action(campaign: Campaign, key: str, ready: bool) -> NextStep:
    cid = campaign.id
    if key == "conditions":
        return NextStep("Add the conditions", url_for("organize.conditions", campaign_id=cid))
    if key == "preview":
        if not campaign.conditions:
            return NextStep("Preview the campaign", reason="Add at least one condition.")
        return NextStep("Preview the campaign", url_for("organize.preview", campaign_id=cid))
    if key == "trustees":
        return NextStep("Invite the trustees", url_for("organize.trustees", campaign_id=cid))
    if key == "review":
        return _review_next(campaign)
    if key == "ceremony":
        if campaign.approved_at is None:
            return _review_next(campaign)
        missing = _keys_missing(campaign)
        if missing:
            return NextStep("Freeze for the key ceremony", reason=missing)
        return NextStep("Freeze for the key ceremony", url_for("organize.freeze_confirm", campaign_id=cid))
    # launch
    if campaign.launched_at is not None:
        return NextStep("See the public page: signing is open", url_for("public.campaign", slug=campaign.slug))
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None:
        return _action(campaign, "ceremony", ready)
    if not ready:
        return NextStep("Launch the campaign", reason="Waiting for every trustee to post a deal and sign the "
                        "transcript.")
    return NextStep("Launch the campaign", url_for("organize.launch_confirm", campaign_id=cid))


def next_of(campaign: Campaign | None, page: str, *, ready: bool = False) -> NextStep | None:
    """The one next step to offer on ``page``: the first step after it not done yet (``ready``:
    the ceremony is complete, so the campaign may launch)."""
    if campaign is None:
        return None
    if campaign.state not in (CampaignState.DRAFT, CampaignState.CEREMONY) or campaign.launched_at is not None:
        return _action(campaign, "launch", ready) if campaign.is_public else None
    keys = [key for key, _ in STEPS]
    current = keys.index(page_step(campaign, page))
    for key in keys[current + 1:]:
        if not _done(campaign, key):
            return _action(campaign, key, ready)
    return _action(campaign, "launch", ready)
