"""After the reveal: the organizer's dated judgements of each condition at each lab, revealed
signers' signed statements, and the organizer's dated updates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pledge.models.base import Base


class ConditionJudgement(Base):
    """One judgement of one condition at one lab: never overwritten, a later one is a new row.
    Accepted pending (``leaf_index`` unset) and published as a condition leaf with the next batch."""

    __tablename__ = "condition_judgements"
    __table_args__ = (
        CheckConstraint("status IN ('met', 'not-met', 'partly')", name="judgement_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("conditions.id", ondelete="CASCADE"))
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"))
    status: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date]
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the batch that publishes it as a condition leaf is appended.
    leaf_index: Mapped[int | None]


class Statement(Base):
    """A revealed signer's signed statement ("withholding" or "stopped"), as the protocol
    publishes it; ``id`` is the acceptance order, and ``leaf_index`` is set when published."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("campaign_id", "nullifier", "seq"),
        CheckConstraint("stance IN ('withholding', 'stopped')", name="statement_stance"),
        CheckConstraint("seq >= 0", name="statement_seq_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    nullifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    seq: Mapped[int]
    stance: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    leaf_index: Mapped[int | None]


class CampaignUpdate(Base):
    """A dated update posted by the organizer (sanitised Markdown)."""

    __tablename__ = "campaign_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    posted_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
