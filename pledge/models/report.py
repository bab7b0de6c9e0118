"""Reports from the public about a campaign ("Report this campaign"), for the site admins.

A report keeps what its sender typed and nothing else: the reason, the message and, if they
chose to give one, a contact address. No network address, browser, cookie or account is kept
(docs/threat-model.md, "Review, takedown and reports").
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.models.base import Base
from pledge.models.campaign import Campaign


class ReportReason(enum.StrEnum):
    """Why someone reports a campaign."""

    MISLEADING = "misleading"
    IMPERSONATION = "impersonation"
    HARASSMENT = "harassment"
    SPAM = "spam"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason as the form and the admin list show it."""
        return REASON_LABELS[self]


REASON_LABELS = {
    ReportReason.MISLEADING: "Misleading",
    ReportReason.IMPERSONATION: "Impersonation",
    ReportReason.HARASSMENT: "Harassment or safety",
    ReportReason.SPAM: "Spam",
    ReportReason.OTHER: "Other",
}

_REASONS = ", ".join(f"'{reason.value}'" for reason in ReportReason)


class CampaignReport(Base):
    """One report about one campaign."""

    __tablename__ = "campaign_reports"
    __table_args__ = (CheckConstraint(f"reason IN ({_REASONS})", name="reason_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    # Only if the sender chose to give one; never put in an email.
    contact: Mapped[str | None] = mapped_column(String(254))
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship(lazy="joined")

    @property
    def reason_label(self) -> str:
        """The reason as people read it."""
        return ReportReason(self.reason).label
