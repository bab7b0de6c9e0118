"""Campaigns: the pledge, its conditions, eligible labs, threshold rule and lifecycle state.

The lifecycle (docs/protocol.md §8) is ``draft → ceremony → open → revealed → closed`` or
``open → expired``. The state column is an enumerated type guarded by CHECK constraints, and the
timestamps each state implies are required by constraints too, so the database refuses an
inconsistent campaign whatever code wrote it.
"""

from __future__ import annotations

import enum
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ColumnElement, Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.models.base import Base, utcnow
from pledge.models.ceremony import Trustee
from pledge.models.lab import Lab
from pledge.models.user import User


class CampaignState(enum.StrEnum):
    """Where a campaign is in its lifecycle."""

    DRAFT = "draft"
    CEREMONY = "ceremony"
    OPEN = "open"
    REVEALED = "revealed"
    CLOSED = "closed"
    EXPIRED = "expired"
    #: A site admin took the campaign down: signing ended, sealed signatures destroyed as at expiry.
    TAKEN_DOWN = "taken-down"


#: States the public can see. Drafts are private to their organizer.
PUBLIC_STATES = (
    CampaignState.CEREMONY,
    CampaignState.OPEN,
    CampaignState.REVEALED,
    CampaignState.CLOSED,
    CampaignState.EXPIRED,
    CampaignState.TAKEN_DOWN,
)

#: Public states shown in listings (a taken-down campaign keeps only its page and its notice).
LISTED_STATES = tuple(state for state in PUBLIC_STATES if state != CampaignState.TAKEN_DOWN)

#: States in which the campaign has ended for good.
ENDED_STATES = (CampaignState.CLOSED, CampaignState.EXPIRED, CampaignState.TAKEN_DOWN)


#: States in which a launched campaign takes signatures (until its deadline).
SIGNING_STATES = (CampaignState.OPEN, CampaignState.REVEALED)


@dataclass(frozen=True)
class ThresholdRule:
    """When a campaign's signatures are revealed, and how small a published count is hidden:
    at least ``min_total`` signatures overall, and at least ``min_per_lab`` at each of
    ``min_labs`` labs (both 0 when there is no per-lab part); a lab's count below
    ``suppress_below`` (k) is shown as "fewer than k"."""

    min_total: int
    min_per_lab: int
    min_labs: int
    suppress_below: int

    def lab_meets_minimum(self, count: int) -> bool:
        """Whether a lab with ``count`` signatures reaches the per-lab minimum."""
        return bool(self.min_per_lab) and count >= self.min_per_lab

    def met(self, total: int, labs_meeting: int) -> bool:
        """Whether ``total`` signatures with ``labs_meeting`` labs at their minimum meet the rule."""
        return total >= self.min_total and labs_meeting >= self.min_labs

    def suppressed(self, count: int) -> bool:
        """Whether a lab's ``count`` must show as "fewer than k"."""
        return count < self.suppress_below

    def as_document(self) -> dict[str, int]:
        """The rule's three thresholds, as the API and the manifest name them."""
        return {"min_total": self.min_total, "min_per_lab": self.min_per_lab, "min_labs": self.min_labs}


#: The days a new campaign gives its trustees for the key ceremony, and the range allowed.
DEFAULT_CEREMONY_DAYS = 7
MIN_CEREMONY_DAYS, MAX_CEREMONY_DAYS = 1, 30

#: The reveal window G a new campaign gets (docs/protocol.md §3).
DEFAULT_REVEAL_WINDOW = 14 * 86400


def smallest_majority(count: int) -> int:
    """The smallest majority of ``count`` witnesses: the default cosigning quorum w."""
    return count // 2 + 1


def new_public_id() -> str:
    """A random, stable identifier for the manifest and token messages (16 bytes, hex)."""
    return secrets.token_hex(16)


class Campaign(Base):
    """One conditional pledge."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("min_total >= 1", name="min_total_positive"),
        CheckConstraint(
            "(min_labs = 0 AND min_per_lab = 0) OR (min_labs >= 1 AND min_per_lab >= 1)",
            name="per_lab_rule_complete",
        ),
        CheckConstraint("trustee_quorum >= 1 AND trustee_quorum <= trustee_count", name="quorum_in_range"),
        CheckConstraint("trustee_count <= 15", name="trustee_count_small"),
        CheckConstraint("suppress_below >= 1", name="suppression_positive"),
        CheckConstraint("practice OR suppress_below >= 2", name="k_at_least_two_unless_practice"),
        CheckConstraint("witness_quorum IS NULL OR witness_quorum >= 1", name="witness_quorum_positive"),
        CheckConstraint("reveal_window_seconds >= 1", name="reveal_window_positive"),
        CheckConstraint("ceremony_days >= 1 AND ceremony_days <= 30", name="ceremony_days_in_range"),
        CheckConstraint("batch_interval_seconds >= 60", name="batch_interval_minimum"),
        CheckConstraint("state = 'draft' OR frozen_at IS NOT NULL", name="frozen_after_draft"),
        CheckConstraint(
            "state IN ('draft', 'ceremony', 'taken-down') OR launched_at IS NOT NULL", name="launched_when_open"
        ),
        CheckConstraint("length(public_id) = 32", name="public_id_length"),
        CheckConstraint("ctx IS NULL OR length(ctx) = 32", name="ctx_length"),
        CheckConstraint("state NOT IN ('open', 'revealed', 'closed') OR group_key IS NOT NULL", name="key_when_launched"),
        CheckConstraint("approved_at IS NULL OR submitted_at IS NOT NULL", name="approved_after_submitted"),
        CheckConstraint("state = 'draft' OR approved_at IS NOT NULL", name="approved_before_freeze"),
        CheckConstraint(
            "(state = 'taken-down') = (taken_down_at IS NOT NULL AND takedown_notice IS NOT NULL)",
            name="takedown_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pledge_text: Mapped[str] = mapped_column(Text)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[CampaignState] = mapped_column(
        Enum(CampaignState, native_enum=False, create_constraint=True, length=16,
             name="campaign_state", values_callable=lambda states: [s.value for s in states]),
        default=CampaignState.DRAFT,
    )
    # Threshold rule (docs/protocol.md §8): min_total overall and min_per_lab at each of min_labs labs.
    min_total: Mapped[int]
    min_per_lab: Mapped[int] = mapped_column(default=0)
    min_labs: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[datetime]
    trustee_quorum: Mapped[int] = mapped_column(default=3)  # t
    trustee_count: Mapped[int] = mapped_column(default=5)  # n
    # k (docs/protocol.md §3): per-lab counts below it show as "fewer than k" on the campaign page.
    # At least 2, except in a practice campaign. (Revealing per lab none or at least k is not yet
    # enforced: see docs/threat-model.md.)
    suppress_below: Mapped[int] = mapped_column(default=5)
    batch_interval_seconds: Mapped[int] = mapped_column(default=3600)
    # A practice campaign (no real pledge); its pages say so, and it may use k = 1.
    practice: Mapped[bool] = mapped_column(default=False)
    # The extra witnesses besides the trustees: canonical JSON [{"name", "ed25519": hex}, ...].
    extra_witnesses: Mapped[str] = mapped_column(Text, default="[]")
    # w, the cosigning quorum; None means the smallest majority of the witnesses.
    witness_quorum: Mapped[int | None]
    # G: a round not revealed within this long after its freeze is abandoned.
    reveal_window_seconds: Mapped[int] = mapped_column(default=DEFAULT_REVEAL_WINDOW)
    # The days the trustees have for the key ceremony after each freeze (a draft setting).
    ceremony_days: Mapped[int] = mapped_column(default=DEFAULT_CEREMONY_DAYS, server_default=str(DEFAULT_CEREMONY_DAYS))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    frozen_at: Mapped[datetime | None]
    launched_at: Mapped[datetime | None]
    # When the counts in CampaignLab.published_count were last published (batch time).
    counts_published_at: Mapped[datetime | None]
    # The live entries as of the last published batch (the public total). Republished with every
    # batch while signatures are taken; the per-lab counts (CampaignLab.published_count) stop at
    # round 1's freeze.
    published_total: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when frozen for the ceremony (docs/protocol.md §3): the canonical manifest and its hash.
    manifest: Mapped[str | None] = mapped_column(Text)
    ctx: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # Set with the manifest: the freeze plus ceremony_days. After it, the organizer may replace a
    # trustee who has not done their step of the ceremony.
    ceremony_deadline: Mapped[datetime | None]
    # Set at launch: the campaign key Y and the public key of the campaign's log.
    group_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    log_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # Set by tick when the published counts first meet the threshold rule before the deadline.
    threshold_met_at: Mapped[datetime | None]
    # The batch whose deadline event (round 2 frozen, signing-ended or expired) ended signing.
    signing_ended_batch: Mapped[int | None]
    # Set when a lab's token issuance jumps far above its usual rate (docs/rate-limits.md).
    issuance_alarm_at: Mapped[datetime | None]
    # Only an admin may let an organizer sit as a trustee of their own campaign.
    organizer_may_be_trustee: Mapped[bool] = mapped_column(default=False)
    # A contact address the organizer chose to show on the public page (any address they like).
    contact_address: Mapped[str | None] = mapped_column(String(254))
    # Review: the organizer submits the draft; a site admin approves it (then it may be frozen)
    # or refuses it with a note (then it is an editable draft again).
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    # Takedown by a site admin: when, and the public notice shown in the campaign's place.
    taken_down_at: Mapped[datetime | None]
    takedown_notice: Mapped[str | None] = mapped_column(Text)

    organizer: Mapped[User] = relationship(foreign_keys=[organizer_id])
    conditions: Mapped[list[Condition]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Condition.position",
        lazy="selectin",
    )
    lab_links: Mapped[list[CampaignLab]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", lazy="selectin",
    )
    trustees: Mapped[list[Trustee]] = relationship(
        cascade="all, delete-orphan", order_by="Trustee.seat", lazy="selectin",
    )

    @property
    def labs(self) -> list[Lab]:
        """Eligible labs, sorted by name."""
        return sorted((link.lab for link in self.lab_links), key=lambda lab: lab.name.lower())

    @property
    def trustee_names(self) -> dict[int, str]:
        """Trustee names by seat."""
        return {trustee.seat: trustee.name for trustee in self.trustees}

    @property
    def witness_list(self) -> list[dict[str, str]]:
        """The extra witnesses, ``[{"name", "ed25519": hex}]`` in the organizer's order."""
        return list(json.loads(self.extra_witnesses or "[]"))

    @property
    def witness_count(self) -> int:
        """Every witness: the n trustees and the extra witnesses."""
        return self.trustee_count + len(self.witness_list)

    @property
    def effective_witness_quorum(self) -> int:
        """w: the organizer's choice, or the smallest majority of the witnesses."""
        return self.witness_quorum or smallest_majority(self.witness_count)

    @property
    def is_public(self) -> bool:
        """Whether the public may see this campaign."""
        return self.state in PUBLIC_STATES

    @property
    def is_launched(self) -> bool:
        """Whether the key ceremony gave the campaign its key (signing can be offered)."""
        return self.group_key is not None and self.ctx is not None

    @property
    def rule(self) -> ThresholdRule:
        """The campaign's threshold rule."""
        return ThresholdRule(self.min_total, self.min_per_lab, self.min_labs, self.suppress_below)

    @rule.setter
    def rule(self, rule: ThresholdRule) -> None:
        self.min_total, self.min_per_lab = rule.min_total, rule.min_per_lab
        self.min_labs, self.suppress_below = rule.min_labs, rule.suppress_below

    def accepting(self, now: datetime) -> bool:
        """Whether signing is open: launched, not closed or expired, before the deadline, and no
        deadline event in the log yet (after it the log takes no entry)."""
        return self.state in SIGNING_STATES and now < self.deadline and self.signing_ended_batch is None

    @classmethod
    def accepting_at(cls, now: datetime) -> ColumnElement[bool]:
        """:meth:`accepting` as a query condition."""
        return and_(cls.state.in_(SIGNING_STATES), cls.deadline > now, cls.signing_ended_batch.is_(None))

    @property
    def is_editable(self) -> bool:
        """Only drafts not under review change; after freezing, a change means a new campaign."""
        return self.state == CampaignState.DRAFT and self.submitted_at is None

    @property
    def is_listed(self) -> bool:
        """Whether listings (home page, feeds of many campaigns) show this campaign."""
        return self.state in LISTED_STATES

    @property
    def has_ended(self) -> bool:
        """Closed, expired or taken down: no signature, withdrawal or reveal any more."""
        return self.state in ENDED_STATES

    @property
    def review_status(self) -> str:
        """``"draft"`` (not submitted), ``"submitted"`` (awaiting a site admin) or ``"approved"``."""
        if self.approved_at is not None:
            return "approved"
        return "submitted" if self.submitted_at is not None else "draft"


class Condition(Base):
    """One condition of a pledge, in the organizer's order."""

    __tablename__ = "conditions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "position"),
        CheckConstraint("position >= 0", name="position_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="conditions")


class CampaignLab(Base):
    """An eligible lab of a campaign, with its latest published count (public data)."""

    __tablename__ = "campaign_labs"
    __table_args__ = (CheckConstraint("published_count >= 0", name="count_nonnegative"),)

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"), primary_key=True)
    published_count: Mapped[int] = mapped_column(default=0)
    # RSA-2048 token key (docs/protocol.md §5), made at freeze: SPKI DER public half, and the PKCS#8
    # private half sealed with a key derived from TOKEN_KEY_SECRET (never stored in clear).
    token_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    token_private_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    campaign: Mapped[Campaign] = relationship(back_populates="lab_links")
    lab: Mapped[Lab] = relationship(lazy="joined")
