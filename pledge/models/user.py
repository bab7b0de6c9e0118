"""Staff accounts: admins, organizers and trustees. Signers never have accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledge.models.base import Base, utcnow


class Role(enum.StrEnum):
    """What a staff account may do. One person may hold several roles."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    TRUSTEE = "trustee"


class User(UserMixin, Base):
    """A staff member who logs in. Email is stored: staff are public-facing, signers are not."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("session_version >= 1", name="session_version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped at logout and password change: every cookie minted before is refused after.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this account holds."""
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        """Whether this account holds ``role``."""
        return role in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session identifier: the id and the session version together."""
        return f"{self.id}:{self.session_version}"


class UserRole(Base):
    """One role held by one account."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, create_constraint=True, length=16, name="role",
             values_callable=lambda roles: [r.value for r in roles]),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="role_rows")
