"""Signatures and the campaign log (docs/protocol.md §6, §5).

An entry holds what the server must keep to publish and later reveal a signature: the public
leaf (token, nullifier, ciphertext hash, withdrawal key), the ciphertext until its round is
revealed or the entry is withdrawn, and the ciphertext's ``R`` so that no ``R`` is accepted twice.
No entry has a time of its own: the only times are batch times, coarsened to the batch interval.
Entries are a ``WITHOUT ROWID`` table keyed by a random id, so nothing in the file records the
order in which people signed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pledge.models.base import Base


class Entry(Base):
    """One sealed signature."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "nullifier"),
        UniqueConstraint("campaign_id", "r_point"),
        UniqueConstraint("campaign_id", "leaf_hash"),
        CheckConstraint("length(entry_id) = 16", name="entry_id_length"),
        {"sqlite_with_rowid": False},
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    entry_id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"))
    nullifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    r_point: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    withdrawal_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Deleted (set NULL) on withdrawal and on expiry: a withdrawn signature is never decrypted.
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The entry's opening (canonical JSON of crypto.opening.Opening.doc()): kept like the
    # ciphertext, public only once the entry is revealed, deleted when the campaign ends with the
    # entry never revealed (and with the ciphertext when its round is abandoned).
    opening: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when the entry's batch is published.
    leaf_index: Mapped[int | None]
    # A withdrawal: its signature at once, its leaf index when its batch is published.
    withdrawal_signature: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    withdrawal_index: Mapped[int | None]
    # After its round is revealed: the decrypted payload (canonical JSON) and the round.
    revealed_payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    revealed_round: Mapped[int | None]
    # The round whose round-frozen event lists this entry (it can no longer be withdrawn).
    frozen_round: Mapped[int | None]


class LogLeaf(Base):
    """A published leaf, in log order."""

    __tablename__ = "log_leaves"
    __table_args__ = (UniqueConstraint("campaign_id", "leaf_hash"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(primary_key=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    batch: Mapped[int]


class TreeHead(Base):
    """A signed tree head, one per published batch."""

    __tablename__ = "tree_heads"
    __table_args__ = (CheckConstraint("size >= 0", name="size_nonnegative"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    batch: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int]
    # Unix seconds, coarsened to the batch interval.
    timestamp: Mapped[int]
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class RevealRound(Base):
    """A head frozen for decryption once the threshold rule was met (docs/protocol.md §8)."""

    __tablename__ = "reveal_rounds"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[int]
    size: Mapped[int]
    frozen_at: Mapped[datetime]
    revealed_at: Mapped[datetime | None]
    # Set when the batch with its round-abandoned event is published (docs/protocol.md §8).
    abandoned_at: Mapped[datetime | None]


class RoundPartials(Base):
    """One trustee's verified partial decryptions for one round (the uploaded file, canonical)."""

    __tablename__ = "round_partials"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    round_number: Mapped[int] = mapped_column(primary_key=True)
    seat: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]


class PendingEvent(Base):
    """An event leaf decided between batches (a round revealed at an upload, a share destroyed),
    waiting for the next batch to append it to the log (docs/decisions.md says why)."""

    __tablename__ = "pending_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class DestroyConfirmation(Base):
    """A trustee's signed confirmation that they destroyed their share of an expired campaign."""

    __tablename__ = "destroy_confirmations"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    seat: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    received_at: Mapped[datetime]


class HeadCosignature(Base):
    """A witness's cosignature over one signed tree head (docs/protocol.md §9), verified before it
    was stored: ``witness_key`` is an Ed25519 key the manifest lists as a witness."""

    __tablename__ = "head_cosignatures"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "batch"], ["tree_heads.campaign_id", "tree_heads.batch"], ondelete="CASCADE"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    batch: Mapped[int] = mapped_column(primary_key=True)
    witness_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
