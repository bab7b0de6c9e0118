"""Campaign authoring: drafts, their conditions and labs, and who may see which campaign."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from crypto.formats.counts import count
from pledge.models import (
    DEFAULT_CEREMONY_DAYS,
    DEFAULT_REVEAL_WINDOW,
    MAX_CEREMONY_DAYS,
    MIN_CEREMONY_DAYS,
    Campaign,
    CampaignLab,
    CampaignState,
    Condition,
    Lab,
    Role,
    ThresholdRule,
    User,
)
from pledge.models.campaign import LISTED_STATES
from pledge.services.addresses import AddressError, split_address
from pledge.services.errors import CampaignError, NotEditable, NotFound
from pledge.services.rules import (
    BATCH_INTERVALS,
    RuleSettings,
    _check_deadline,
    _check_k,
    _check_reveal_window,
    _check_threshold,
    _check_trustees,
    _check_witnesses,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$")
MAX_PLEDGE_TEXT = 20_000
MAX_CONDITION_TEXT = 1_000
MAX_CONDITIONS = 30
FROZEN_MESSAGE = (
    "This campaign is frozen: its text, conditions, rule and trustees can no longer change. "
    "A change needs a new campaign."
)


class CampaignNotFound(NotFound, CampaignError):
    """No such campaign, or not one the viewer may see (the two are not told apart)."""

    def __init__(self) -> None:
        super().__init__("No such campaign.")


@dataclass(frozen=True)
class DraftFields:
    """What an organizer writes in the draft form."""

    title: str
    slug: str
    pledge_text: str
    lab_ids: tuple[int, ...]
    rule: ThresholdRule
    deadline: datetime
    trustee_quorum: int
    trustee_count: int
    batch_interval_seconds: int
    practice: bool = False
    #: Extra witnesses: (name, Ed25519 public key hex), in the organizer's order.
    witnesses: tuple[tuple[str, str], ...] = ()
    #: w; ``None``: the smallest majority of the witnesses.
    witness_quorum: int | None = None
    reveal_window_seconds: int = DEFAULT_REVEAL_WINDOW
    #: The days the trustees have for the key ceremony after each freeze.
    ceremony_days: int = DEFAULT_CEREMONY_DAYS
    #: The organizer's public contact address, shown on the public page (``None``: none).
    contact_address: str | None = None
    #: Refuse a quorum t that is not a majority of n (the form sets it unless the organizer
    #: accepts a weaker quorum).
    require_majority: bool = False


def slugify(title: str) -> str:
    """A URL slug from a title: lower-case ASCII letters, digits and single hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:80].strip("-")


def _problems(session: Session, fields: DraftFields, now: datetime,
              campaign: Campaign | None) -> tuple[list[CampaignError], list[Lab]]:
    """Every problem of ``fields`` (in the order they used to be checked one at a time) and the
    chosen labs."""
    problems: list[CampaignError] = []

    def check(step) -> None:
        try:
            step()
        except CampaignError as error:
            problems.append(error)

    check(lambda: _check_title(fields.title))
    check(lambda: _check_slug(session, fields.slug, campaign.id if campaign is not None else None))
    check(lambda: _check_pledge_text(fields.pledge_text))
    check(lambda: _check_ceremony_days(fields.ceremony_days))
    labs = list(session.scalars(select(Lab).where(Lab.id.in_(fields.lab_ids))))
    if len(labs) != len(set(fields.lab_ids)):
        problems.append(CampaignError("One of the chosen labs does not exist.", field="labs"))
    settings = RuleSettings(
        eligible_labs=len(labs),
        rule=fields.rule,
        deadline=fields.deadline,
        trustee_quorum=fields.trustee_quorum,
        trustee_count=fields.trustee_count,
        batch_interval_seconds=fields.batch_interval_seconds,
        practice=fields.practice,
        witnesses=fields.witnesses,
        witness_quorum=fields.witness_quorum,
        reveal_window_seconds=fields.reveal_window_seconds,
    )
    # The rule's checks, each on its own, so that one submit reports them all.
    check(lambda: _check_threshold(settings.rule, settings.eligible_labs))
    check(lambda: _check_k(settings))
    trustees_ok = len(problems)
    check(lambda: _check_trustees(settings))
    if len(problems) == trustees_ok and fields.require_majority:
        check(lambda: _check_majority(fields.trustee_quorum, fields.trustee_count))
    check(lambda: _check_deadline(settings.deadline, now))
    if settings.batch_interval_seconds not in BATCH_INTERVALS:
        problems.append(CampaignError("Choose one of the offered batch intervals.", field="batch_interval_seconds"))
    check(lambda: _check_witnesses(settings))
    check(lambda: _check_reveal_window(settings.reveal_window_seconds))
    check(lambda: _check_contact(fields.contact_address))
    if campaign is not None and fields.trustee_count < len(campaign.trustees):
        problems.append(CampaignError(
            f"{count(len(campaign.trustees), 'trustee')} already "
            f"{'has a seat' if len(campaign.trustees) == 1 else 'have seats'}: remove some before lowering n.",
            field="trustee_count",
        ))
    return problems, labs


def _check_title(title: str) -> None:
    if not 3 <= len(title.strip()) <= 200:
        raise CampaignError("Give the campaign a title of 3 to 200 characters.", field="title")


def _check_slug(session: Session, slug: str, campaign_id: int | None) -> None:
    if not SLUG_RE.match(slug):
        raise CampaignError(
            "Use 3 to 80 lower-case letters, digits and hyphens for the address, starting and "
            "ending with a letter or digit.",
            field="slug",
        )
    taken = session.scalar(
        select(func.count()).select_from(Campaign).where(Campaign.slug == slug, Campaign.id != (campaign_id or 0))
    )
    if taken:
        raise CampaignError("Another campaign already uses that address.", field="slug")


def _check_pledge_text(text: str) -> None:
    if not text.strip():
        raise CampaignError("Write the text of the pledge.", field="pledge_text")
    if len(text) > MAX_PLEDGE_TEXT:
        raise CampaignError(f"Keep the pledge text under {MAX_PLEDGE_TEXT:,} characters.", field="pledge_text")


def _check_ceremony_days(days: int) -> None:
    if not MIN_CEREMONY_DAYS <= days <= MAX_CEREMONY_DAYS:
        raise CampaignError(f"The key ceremony needs {MIN_CEREMONY_DAYS} to {MAX_CEREMONY_DAYS} days.",
                            field="ceremony_days")


def majority_message(quorum: int, trustees: int) -> str:
    """Why t = ``quorum`` of n = ``trustees`` is refused unless the organizer accepts it."""
    return (f"t = {quorum} is not a majority of the {count(trustees, 'trustee')}: fewer than half of them could "
            f"decrypt signatures together. Set t to at least {trustees // 2 + 1}, or tick the box below to accept "
            "a quorum that is not a majority.")


def _check_majority(quorum: int, trustees: int) -> None:
    if 2 * quorum <= trustees:
        raise CampaignError(majority_message(quorum, trustees), field="trustee_quorum")


def clean_contact(address: str | None) -> str | None:
    """The contact address as stored: ``None`` when empty, else one plain mailbox (lower-cased
    domain); :class:`CampaignError` otherwise."""
    if address is None or not address.strip():
        return None
    try:
        local, domain = split_address(address.strip())
    except AddressError:
        raise CampaignError("Enter a single plain email address as the contact, like pledge@example.org, or leave it "
                            "empty.", field="contact_address") from None
    cleaned = f"{local}@{domain}"
    if len(cleaned) > 254:
        raise CampaignError("Keep the contact address under 254 characters.", field="contact_address")
    return cleaned


def _check_contact(address: str | None) -> None:
    clean_contact(address)


def validate_draft(session: Session, fields: DraftFields, now: datetime,
                   campaign: Campaign | None = None) -> list[CampaignError]:
    """Every reason ``fields`` cannot be saved (as a new draft, or as changes to ``campaign``);
    empty when they can. Changes nothing."""
    return _problems(session, fields, now, campaign)[0]


def _check_fields(session: Session, fields: DraftFields, now: datetime, campaign: Campaign | None) -> list[Lab]:
    problems, labs = _problems(session, fields, now, campaign)
    if problems:
        raise problems[0]
    return labs


def _apply(campaign: Campaign, fields: DraftFields, labs: list[Lab]) -> None:
    campaign.title = fields.title.strip()
    campaign.slug = fields.slug
    campaign.pledge_text = fields.pledge_text.replace("\r\n", "\n")
    campaign.rule = fields.rule
    campaign.deadline = fields.deadline
    campaign.trustee_quorum = fields.trustee_quorum
    campaign.trustee_count = fields.trustee_count
    campaign.batch_interval_seconds = fields.batch_interval_seconds
    campaign.practice = fields.practice
    campaign.extra_witnesses = json.dumps([{"name": name.strip(), "ed25519": key} for name, key in fields.witnesses],
                                          ensure_ascii=False)
    campaign.witness_quorum = fields.witness_quorum
    campaign.reveal_window_seconds = fields.reveal_window_seconds
    campaign.ceremony_days = fields.ceremony_days
    campaign.contact_address = clean_contact(fields.contact_address)
    wanted = {lab.id for lab in labs}
    campaign.lab_links = [link for link in campaign.lab_links if link.lab_id in wanted]
    have = {link.lab_id for link in campaign.lab_links}
    for lab in labs:
        if lab.id not in have:
            campaign.lab_links.append(CampaignLab(lab=lab, lab_id=lab.id))


def create_draft(session: Session, organizer: User, fields: DraftFields, now: datetime) -> Campaign:
    """Create a draft owned by ``organizer``. Raises :class:`CampaignError`."""
    labs = _check_fields(session, fields, now, None)
    campaign = Campaign(organizer=organizer)
    _apply(campaign, fields, labs)
    session.add(campaign)
    session.flush()
    return campaign


def update_draft(session: Session, campaign: Campaign, fields: DraftFields, now: datetime) -> None:
    """Change a draft. Raises :class:`NotEditable` past the draft stage."""
    _require_draft(campaign)
    labs = _check_fields(session, fields, now, campaign)
    _apply(campaign, fields, labs)
    session.flush()


#: Why a draft under review cannot change: the admin approves exactly what goes public.
UNDER_REVIEW_MESSAGE = ("This campaign is submitted for review, so it cannot change while a site admin reads it. "
                        "Take the submission back to edit it (an approval is then cleared).")


def _require_draft(campaign: Campaign) -> None:
    if not campaign.is_editable:
        raise NotEditable(UNDER_REVIEW_MESSAGE if campaign.state == CampaignState.DRAFT else FROZEN_MESSAGE)


def _clean_condition(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise CampaignError("Write the condition.", field="text")
    if len(cleaned) > MAX_CONDITION_TEXT:
        raise CampaignError(f"Keep each condition under {MAX_CONDITION_TEXT} characters.", field="text")
    return cleaned


def add_condition(session: Session, campaign: Campaign, text: str) -> Condition:
    """Append a condition at the end of the list."""
    _require_draft(campaign)
    if len(campaign.conditions) >= MAX_CONDITIONS:
        raise CampaignError(f"A pledge can have at most {MAX_CONDITIONS} conditions.", field="text")
    position = max((c.position for c in campaign.conditions), default=-1) + 1
    condition = Condition(text=_clean_condition(text), position=position)
    campaign.conditions.append(condition)
    session.flush()
    return condition


def _condition(campaign: Campaign, condition_id: int) -> Condition:
    for condition in campaign.conditions:
        if condition.id == condition_id:
            return condition
    raise CampaignError("No such condition.")


def edit_condition(session: Session, campaign: Campaign, condition_id: int, text: str) -> None:
    """Replace a condition's text."""
    _require_draft(campaign)
    _condition(campaign, condition_id).text = _clean_condition(text)
    session.flush()


def move_condition(session: Session, campaign: Campaign, condition_id: int, offset: int) -> None:
    """Move a condition one place up (``offset=-1``) or down (``+1``); a no-op at either end."""
    _require_draft(campaign)
    ordered = sorted(campaign.conditions, key=lambda c: c.position)
    index = ordered.index(_condition(campaign, condition_id))
    other = index + offset
    if offset not in (-1, 1) or not 0 <= other < len(ordered):
        return
    a, b = ordered[index], ordered[other]
    pos_a, pos_b = a.position, b.position
    # Positions are unique per campaign: park one out of the way before the swap.
    a.position = max(c.position for c in ordered) + 1
    session.flush()
    b.position = pos_a
    session.flush()
    a.position = pos_b
    session.flush()
    campaign.conditions.sort(key=lambda c: c.position)


def delete_condition(session: Session, campaign: Campaign, condition_id: int) -> None:
    """Remove a condition; the others keep their order."""
    _require_draft(campaign)
    condition = _condition(campaign, condition_id)
    campaign.conditions.remove(condition)
    session.flush()


def organizer_campaigns(session: Session, user: User) -> list[Campaign]:
    """Campaigns the user may manage: their own, or every one for an admin."""
    query = select(Campaign).order_by(Campaign.created_at.desc())
    if not user.has_role(Role.ADMIN):
        query = query.where(Campaign.organizer_id == user.id)
    return list(session.scalars(query))


def managed_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    """A campaign the user may manage, else :class:`CampaignNotFound`."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not (user.has_role(Role.ADMIN) or campaign.organizer_id == user.id):
        raise CampaignNotFound()
    return campaign


#: Loader options for a campaign read on a hot path: the same objects, loaded on first access.
LIGHT_CAMPAIGN = (
    lazyload(Campaign.conditions), lazyload(Campaign.trustees),
    selectinload(Campaign.lab_links).joinedload(CampaignLab.lab).lazyload(Lab.domains),
)


def public_campaigns(session: Session) -> list[Campaign]:
    """Campaigns listed to the public (past the draft stage, not taken down), the soonest deadline first."""
    query = select(Campaign).where(Campaign.state.in_(LISTED_STATES)).order_by(Campaign.deadline, Campaign.id)
    return list(session.scalars(query))


def public_campaign(session: Session, slug: str, *, launched: bool = False, options=LIGHT_CAMPAIGN) -> Campaign:
    """A campaign the public may see (past its draft; with ``launched``, also past its key
    ceremony), else :class:`CampaignNotFound`.

    With the default ``options``, conditions, trustees and the labs' email domains load only if
    the caller reads them (the counts JSON does not): each eager load is one more query on every
    public request.
    """
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug).options(*options))
    if campaign is None or not campaign.is_public or (launched and not campaign.is_launched):
        raise CampaignNotFound()
    return campaign


def all_labs(session: Session) -> list[Lab]:
    """Every lab, by name."""
    return list(session.scalars(select(Lab).order_by(func.lower(Lab.name))))
