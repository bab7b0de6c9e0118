"""The key ceremony (docs/protocol.md §4 and §8): trustees, their public keys, and the DKG bulletin board.

The server is only a board: it stores what trustees post after checking it, and never holds a
share, a coefficient or a private key of any trustee.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.models.base import Base, utcnow
from pledge.models.user import User


class Trustee(Base):
    """A trustee's seat in one campaign's ceremony, from invitation to verification key."""

    __tablename__ = "trustees"
    __table_args__ = (
        UniqueConstraint("campaign_id", "seat"),
        UniqueConstraint("campaign_id", "email"),
        CheckConstraint("seat >= 1 AND seat <= 15", name="seat_in_range"),
        CheckConstraint("length(invitation_hash) = 32 OR invitation_hash IS NULL", name="invitation_hash_length"),
        CheckConstraint(
            "(ed25519_public IS NULL) = (x25519_public IS NULL)", name="keys_registered_together"
        ),
        CheckConstraint("ed25519_public IS NULL OR user_id IS NOT NULL", name="keys_need_an_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    # The trustee's index i in the DKG (1..n).
    seat: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # SHA-256 of the single-use invitation secret; cleared when the invitation is accepted.
    invitation_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    invitation_expires_at: Mapped[datetime | None]
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    accepted_at: Mapped[datetime | None]
    ed25519_public: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    x25519_public: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    keys_registered_at: Mapped[datetime | None]
    # Y_j, computed from the board at launch.
    verification_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))

    user: Mapped[User | None] = relationship()

    @property
    def has_keys(self) -> bool:
        """Whether the trustee registered both public keys."""
        return self.ed25519_public is not None


class CeremonyDeal(Base):
    """A trustee's verified deal (commitments, proof, encrypted shares, signature)."""

    __tablename__ = "ceremony_deals"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    seat: Mapped[int] = mapped_column(primary_key=True)
    # The deal as canonical JSON, exactly as the board serves it back.
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptSignature(Base):
    """A trustee's Ed25519 signature over the ceremony transcript, verified before storing."""

    __tablename__ = "transcript_signatures"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    seat: Mapped[int] = mapped_column(primary_key=True)
    transcript: Mapped[bytes] = mapped_column(LargeBinary(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CeremonyComplaint(Base):
    """A signed complaint by one trustee against another's deal, for a reason only the two of them
    can check (a share that does not open or does not match). It halts the ceremony until the
    accused answers by opening the share in public, and the answer decides who is at fault."""

    __tablename__ = "ceremony_complaints"
    __table_args__ = (
        UniqueConstraint("campaign_id", "complainant_seat", "accused_seat"),
        CheckConstraint("complainant_seat <> accused_seat", name="not_against_oneself"),
        CheckConstraint("(at_fault_seat IS NULL) = (decided_at IS NULL)", name="verdict_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    complainant_seat: Mapped[int]
    accused_seat: Mapped[int]
    reason: Mapped[str] = mapped_column(String(64))
    # The complaint file as filed (one file may accuse several dealers: each row keeps all of it).
    body: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The accused answers by then: the later of the ceremony deadline and three days after filing.
    answer_due_at: Mapped[datetime]
    # The verdict, from the accused's answer: the seat at fault (accused or complainant) and why.
    at_fault_seat: Mapped[int | None]
    verdict: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]

    @property
    def decided(self) -> bool:
        """Whether the accused's answer gave this complaint its verdict."""
        return self.at_fault_seat is not None


class CeremonyAnswer(Base):
    """An accused dealer's answer file, verified (signature and proof) before it is stored."""

    __tablename__ = "ceremony_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    dealer_seat: Mapped[int]
    # The complaint-answer file as uploaded.
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CeremonyArchive(Base):
    """A ceremony run that ended without a key (a verdict, or the organizer replacing a trustee
    after a deadline): its ceremony package and its board as they stood, so anyone can re-check
    the verdicts with ``pledge-trustee adjudicate``, and what happened."""

    __tablename__ = "ceremony_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    ctx: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The ceremony package (manifest and ctx) and the board file (deals, complaints, answers).
    package: Mapped[str] = mapped_column(Text)
    board: Mapped[str] = mapped_column(Text)
    # What ended the run, as the pages and e-mails say it (public facts: seats, names, verdicts).
    outcome: Mapped[str] = mapped_column(Text)
    ended_at: Mapped[datetime] = mapped_column(default=utcnow)
