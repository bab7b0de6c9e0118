"""Trustee seats: invitations, accepting them, and registering public keys.

An invitation is a single-use secret sent by email; only its SHA-256 is stored, and it expires.
Accepting attaches a staff account (with the trustee role) to the seat. The keys a trustee
registers are the public half written by ``pledge-trustee init``; the private halves never leave
the trustee's machine.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from nacl.bindings import crypto_core_ed25519_is_valid_point
from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.complaints import check_x25519_public
from crypto.errors import WeakKey
from pledge.models import Campaign, CampaignState, Role, Trustee, User, UserRole
from pledge.services.accounts import normalize_staff_email
from pledge.services.addresses import is_clean_text
from pledge.services.errors import ServiceError

INVITATION_LIFETIME = timedelta(days=7)
SAME_KEY = "Another trustee of this campaign registered the same key: make your own with pledge-trustee init."
REMOVAL_AFTER_FREEZE = ("This campaign has been frozen before: a trustee who registered keys loses their seat only "
                        "by a complaint's verdict or by missing a ceremony deadline, not by the organizer's choice.")
INVALID_INVITATION = ("This invitation link is not valid: it may have been used already or have expired. "
                      "Ask the organizer for a new one.")


class TrusteeError(ServiceError):
    """A trustee seat cannot change as asked."""


@dataclass(frozen=True)
class Invitation:
    """A trustee seat and the secret of its invitation link (to email, never to store)."""

    trustee: Trustee
    secret: str


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii", "replace")).digest()


def seats_open(campaign: Campaign) -> bool:
    """Trustees may be added or removed: a draft, or a ceremony restarted after a verdict or a
    replacement (the campaign is unfrozen until the organizer freezes it again)."""
    return campaign.state == CampaignState.DRAFT or (
        campaign.state == CampaignState.CEREMONY and campaign.manifest is None
    )


def _free_seat(campaign: Campaign) -> int:
    taken = {trustee.seat for trustee in campaign.trustees}
    for seat in range(1, campaign.trustee_count + 1):
        if seat not in taken:
            return seat
    raise TrusteeError(f"All {campaign.trustee_count} trustee seats are filled.", field="email")


def _new_invitation(trustee: Trustee, now: datetime) -> str:
    secret = secrets.token_urlsafe(32)
    trustee.invitation_hash = _hash(secret)
    trustee.invited_at = now
    trustee.invitation_expires_at = now + INVITATION_LIFETIME
    return secret


def invite_trustee(session: Session, campaign: Campaign, *, name: str, email: str, now: datetime) -> Invitation:
    """Offer the lowest free seat to ``email``."""
    if not seats_open(campaign):
        raise TrusteeError("Trustees are fixed once the campaign is frozen for its ceremony.")
    email = normalize_staff_email(email)
    name = " ".join(name.split())
    if not name or len(name) > 200 or not is_clean_text(name):
        raise TrusteeError("Enter the trustee's name (1 to 200 characters, no control characters).", field="name")
    if any(trustee.email == email for trustee in campaign.trustees):
        raise TrusteeError("That person already has a seat on this campaign.", field="email")
    if email == campaign.organizer.email and not campaign.organizer_may_be_trustee:
        raise TrusteeError(
            "You organize this campaign, so you cannot also be one of its trustees unless an "
            "admin allows it: trustees are a check on the organizer.",
            field="email",
        )
    trustee = Trustee(seat=_free_seat(campaign), name=name, email=email)
    secret = _new_invitation(trustee, now)
    campaign.trustees.append(trustee)
    session.flush()
    return Invitation(trustee, secret)


def reissue_invitation(session: Session, campaign: Campaign, trustee: Trustee, now: datetime) -> Invitation:
    """A new link for a seat not yet accepted; the old link stops working."""
    if trustee.accepted_at is not None:
        raise TrusteeError("This trustee already accepted.")
    if not seats_open(campaign):
        raise TrusteeError("Trustees are fixed once the campaign is frozen for its ceremony.")
    secret = _new_invitation(trustee, now)
    session.flush()
    return Invitation(trustee, secret)


def remove_trustee(session: Session, campaign: Campaign, trustee: Trustee) -> None:
    """Free a seat: any seat of a draft; after a ceremony run ended, only a seat whose holder has
    not registered keys yet (a replacement invited by mistake). A trustee of a frozen campaign
    loses their seat only by a verdict or by missing a deadline (pledge/services/ceremony.py)."""
    if not seats_open(campaign):
        raise TrusteeError("Trustees are fixed once the campaign is frozen for its ceremony.")
    if campaign.state != CampaignState.DRAFT and trustee.has_keys:
        raise TrusteeError(REMOVAL_AFTER_FREEZE)
    campaign.trustees.remove(trustee)
    session.flush()


def find_invitation(session: Session, secret: str, now: datetime) -> Trustee:
    """The seat an invitation link offers; one message for unknown, used and expired links."""
    if not 20 <= len(secret) <= 100:
        raise TrusteeError(INVALID_INVITATION)
    trustee = session.scalar(select(Trustee).where(Trustee.invitation_hash == _hash(secret)))
    if trustee is None or trustee.invitation_expires_at is None or trustee.invitation_expires_at <= now:
        raise TrusteeError(INVALID_INVITATION)
    return trustee


def accept_invitation(session: Session, trustee: Trustee, user: User, now: datetime) -> None:
    """Attach ``user`` (whose email must match the invitation) to the seat; the link is spent."""
    if user.email != trustee.email:
        raise TrusteeError(
            f"This invitation is for {trustee.email}. Log out and accept it with that account."
        )
    trustee.user_id = user.id
    trustee.accepted_at = now
    trustee.invitation_hash = None
    trustee.invitation_expires_at = None
    if not user.has_role(Role.TRUSTEE):
        user.role_rows.append(UserRole(role=Role.TRUSTEE))
    session.flush()


def _check_key(value: bytes, kind: str) -> None:
    if len(value) != 32:
        raise TrusteeError(f"The {kind} public key must be 32 bytes.", field="keys")
    if kind == "Ed25519" and not crypto_core_ed25519_is_valid_point(value):
        raise TrusteeError("The Ed25519 public key is not a valid key.", field="keys")
    if kind == "X25519":
        try:
            check_x25519_public(value)
        except WeakKey as error:
            raise TrusteeError(weak_key_refusal(error), field="keys") from None


def weak_key_refusal(error: WeakKey) -> str:
    """Why a registered X25519 key is refused, and what to do."""
    return (f"The X25519 public key is refused: {error}. Every trustee's X25519 key must be a point of the "
            "curve's prime-order subgroup, as pledge-trustee init makes it; make your keys again with "
            "pledge-trustee init and register the new public key file.")


def register_keys(session: Session, campaign: Campaign, trustee: Trustee, ed25519: bytes, x25519: bytes, now: datetime) -> None:
    """Record a trustee's two public keys (before the freeze only)."""
    if not seats_open(campaign):
        raise TrusteeError("Keys are fixed once the campaign is frozen for its ceremony.", field="keys")
    if trustee.user_id is None:
        raise TrusteeError("Accept the invitation first.", field="keys")
    _check_key(ed25519, "Ed25519")
    _check_key(x25519, "X25519")
    for other in campaign.trustees:
        if other is not trustee and other.ed25519_public in (ed25519, x25519):
            raise TrusteeError(SAME_KEY, field="keys")
        if other is not trustee and other.x25519_public in (ed25519, x25519):
            raise TrusteeError(SAME_KEY, field="keys")
    trustee.ed25519_public = ed25519
    trustee.x25519_public = x25519
    trustee.keys_registered_at = now
    session.flush()


def seats_of(session: Session, user: User) -> list[Trustee]:
    """Every seat the user holds, newest campaign first."""
    return list(session.scalars(select(Trustee).where(Trustee.user_id == user.id).order_by(Trustee.campaign_id.desc())))
