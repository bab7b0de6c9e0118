"""Labs whose researchers may sign, the email domains that prove affiliation, and who changed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.models.base import Base


class Lab(Base):
    """An AI lab. Its ``slug`` is part of every token message, so it never changes."""

    __tablename__ = "labs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    domains: Mapped[list[LabDomain]] = relationship(
        back_populates="lab", cascade="all, delete-orphan", lazy="selectin",
        order_by="LabDomain.domain",
    )

    @property
    def domain_names(self) -> list[str]:
        """The lab's email domains, sorted."""
        return [d.domain for d in self.domains]


class LabDomain(Base):
    """An email domain (lower-case, IDNA-encoded) that belongs to exactly one lab."""

    __tablename__ = "lab_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    lab: Mapped[Lab] = relationship(back_populates="domains")


class LabChange(Base):
    """One addition or edit of a lab in the registry: when, by whom, and what changed.

    ``actor_id`` is the admin who made it on the admin pages; it is empty when the change came from
    the command line or the demo seed, which ``source`` says. ``change`` is canonical JSON: the
    name before and after (when it changed), and the domains added and removed."""

    __tablename__ = "lab_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))
    change: Mapped[str] = mapped_column(Text)
