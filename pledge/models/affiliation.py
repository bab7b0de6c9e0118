"""Private affiliation (docs/affiliation-api.md): one-time codes, who received tokens, spent tokens.

None of these tables holds an address: an address appears only as
``tag = HMAC-SHA256(ISSUER_SECRET, normalised address)``, and a person at a lab only as
``identity = HMAC-SHA256(ISSUER_SECRET, lab slug, local part)``; ``ISSUER_SECRET`` lives outside
the database. Issuance rows and spent-token rows share nothing (no token, no blinded message, no
time), and are ``WITHOUT ROWID`` tables on SQLite, so their physical order follows their random
keys rather than the order in which they were written.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from pledge.models.base import Base


class VerificationCode(Base):
    """A one-time code sent to an address (known here only by its tag). Purged within a day.

    Several may be live for one address at once; each is reached only through the handle its
    request was given, and has its own guess budget."""

    __tablename__ = "verification_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0 AND attempts <= 5", name="attempts_in_range"),
        CheckConstraint("length(tag) = 32", name="tag_length"),
        CheckConstraint("length(identity) = 32", name="identity_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    # The issuance identity (lab and local part), recorded in token_issuances when tokens are issued.
    identity: Mapped[bytes] = mapped_column(LargeBinary(32))
    # SHA-256 of the handle returned by the request that sent this code; the handle itself is
    # never stored, and without it the code cannot be checked.
    handle_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"))
    # HMAC(ISSUER_SECRET, tag || code): a database thief learns nothing about live codes.
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    expires_at: Mapped[datetime]
    # Guesses evaluated so far; raised atomically with UPDATE ... WHERE attempts < 5.
    attempts: Mapped[int] = mapped_column(default=0)
    consumed: Mapped[bool] = mapped_column(default=False)
    # After a correct code: a single-use ticket that authorises one issuance request.
    ticket_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    ticket_expires_at: Mapped[datetime | None]


class TokenIssuance(Base):
    """This identity (lab and local part; before identities, an address tag) received its token
    for this campaign (one per pair, ever)."""

    __tablename__ = "token_issuances"
    __table_args__ = ({"sqlite_with_rowid": False},)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)


class SpentToken(Base):
    """A token's nullifier, once redeemed: each token counts once per campaign."""

    __tablename__ = "spent_tokens"
    __table_args__ = ({"sqlite_with_rowid": False},)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    nullifier: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)


class IssuanceCount(Base):
    """Tokens issued per campaign, lab and UTC day: what admins watch for bursts."""

    __tablename__ = "issuance_counts"
    __table_args__ = (CheckConstraint("issued >= 0", name="issued_nonnegative"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    issued: Mapped[int] = mapped_column(default=0)
    alarmed: Mapped[bool] = mapped_column(default=False)
