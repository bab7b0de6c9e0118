"""Staff accounts: creation, password hashing (argon2id via libsodium), login and logout."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import nacl.exceptions
import nacl.pwhash
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pledge.extensions import db
from pledge.models import Role, User, UserRole
from pledge.services.addresses import AddressError, is_clean_text, split_address
from pledge.services.errors import AccountError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class PasswordCost:
    """Argon2id parameters; libsodium's interactive level unless configured (tests go lower)."""

    opslimit: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
    memlimit: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE

    @classmethod
    def from_config(cls, config: dict) -> PasswordCost:
        """Read ``PASSWORD_OPSLIMIT`` and ``PASSWORD_MEMLIMIT`` where set."""
        default = cls()
        return cls(
            opslimit=config.get("PASSWORD_OPSLIMIT") or default.opslimit,
            memlimit=config.get("PASSWORD_MEMLIMIT") or default.memlimit,
        )


def normalize_staff_email(email: str) -> str:
    """Trim and lower-case a staff email address; refuse anything that is not one plain mailbox."""
    try:
        local, domain = split_address(email)
    except AddressError:
        raise AccountError("Enter a single plain email address, like name@example.org.", field="email") from None
    return f"{local}@{domain}"


def clean_name(name: str) -> str:
    """A person's name as shown to others: trimmed, 1 to 200 characters, no control characters."""
    name = " ".join(name.split())
    if not name or len(name) > 200 or not is_clean_text(name):
        raise AccountError("Enter a name of 1 to 200 characters, without control characters.", field="name")
    return name


def hash_password(password: str, cost: PasswordCost) -> str:
    """Return an argon2id hash string (salt and parameters included)."""
    check_password_strength(password)
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), cost.opslimit, cost.memlimit).decode("ascii")


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing, or absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("That password is too long.", field="password")


def password_matches(password_hash: str, password: str) -> bool:
    """Check a password against its hash without raising."""
    try:
        return nacl.pwhash.argon2id.verify(password_hash.encode("ascii"), password.encode("utf-8"))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


@lru_cache(maxsize=4)
def _decoy_hash(cost: PasswordCost) -> str:
    """A hash of a random password, checked when the email is unknown so both cases cost alike."""
    import secrets

    return nacl.pwhash.argon2id.str(secrets.token_bytes(32), cost.opslimit, cost.memlimit).decode("ascii")


def create_user(
    session: Session, *, email: str, name: str, password: str, roles: Iterable[Role], cost: PasswordCost
) -> User:
    """Create a staff account with the given roles. Raises :class:`AccountError`."""
    email = normalize_staff_email(email)
    name = clean_name(name)
    role_set = set(roles)
    if not role_set:
        raise AccountError("An account needs at least one role.", field="role")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError("An account with that email already exists.", field="email")
    user = User(email=email, name=name, password_hash=hash_password(password, cost))
    user.role_rows = [UserRole(role=role) for role in sorted(role_set)]
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str, cost: PasswordCost) -> None:
    """Replace a password and end every existing session of the account."""
    user.password_hash = hash_password(password, cost)
    end_sessions(user)


def authenticate(session: Session, email: str, password: str, cost: PasswordCost) -> User | None:
    """Return the active account for these credentials, or None. Unknown emails cost the same:
    the lookup reads the same three columns either way, and a decoy hash is checked."""
    try:
        email = normalize_staff_email(email)
    except AccountError:
        email = ""
    row = session.execute(select(User.id, User.password_hash, User.active).where(User.email == email)).first() if email else None
    if row is None or not row.active or len(password) > MAX_PASSWORD_LENGTH:
        password_matches(_decoy_hash(cost), password)
        return None
    if not password_matches(row.password_hash, password):
        return None
    return session.get(User, row.id)


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    user.session_version += 1


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: accept ``"<id>:<version>"`` only if the version is current."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def current_cost() -> PasswordCost:
    """The password cost configured for the running app."""
    return PasswordCost.from_config(current_app.config)
