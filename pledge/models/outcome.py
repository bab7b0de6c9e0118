"""After the reveal: whether each lab met each condition, and the organizer's dated updates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pledge.models.base import Base


class ConditionStatus(Base):
    """The organizer's public judgement of one condition at one lab, with its evidence."""

    __tablename__ = "condition_statuses"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("conditions.id", ondelete="CASCADE"), primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"), primary_key=True)
    met: Mapped[bool]
    decided_on: Mapped[date]
    evidence_url: Mapped[str] = mapped_column(String(500))


class CampaignUpdate(Base):
    """A dated update posted by the organizer (sanitised Markdown)."""

    __tablename__ = "campaign_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    posted_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
