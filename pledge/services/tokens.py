"""Redeeming a token: check it under its (campaign, lab) key and spend its nullifier.

The check uses only the campaign's frozen token public keys. A token says which lab it is for
(inside the signed message), so the server learns the lab and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crypto import blindrsa
from crypto.errors import CryptoError
from pledge.database import insert_if_absent
from pledge.models import Campaign, SpentToken
from pledge.services.errors import ServiceError


class TokenRefused(ServiceError):
    """The token is not valid for this campaign, or it was spent already."""


@dataclass(frozen=True)
class RedeemedToken:
    """A valid token's lab and nullifier."""

    lab_slug: str
    nullifier: bytes


def lab_token_keys(campaign: Campaign) -> dict[str, bytes]:
    """The campaign's token public keys (DER) by lab slug."""
    return {link.lab.slug: link.token_public_key for link in campaign.lab_links if link.token_public_key}


def check_token(campaign: Campaign, prepared: bytes, signature: bytes) -> RedeemedToken:
    """Verify a token for ``campaign`` without spending it."""
    return check_token_under(campaign.public_id, lab_token_keys(campaign), prepared, signature)


def check_token_under(public_id: str, lab_keys: Mapping[str, bytes], prepared: bytes, signature: bytes) -> RedeemedToken:
    """Verify a token for the campaign ``public_id`` whose token keys are ``lab_keys`` (by lab
    slug); needs no database, so a caller may check before it takes the write lock."""
    prepared = bytes(prepared)
    try:
        message = blindrsa.parse_token_message(prepared[blindrsa.PREFIX_LEN:])
    except CryptoError:
        raise TokenRefused("This is not a Pledge token.") from None
    if message.campaign_id != public_id.encode("ascii"):
        raise TokenRefused("This token is for another campaign.")
    if message.lab_slug not in lab_keys:
        raise TokenRefused("This token is for a lab this campaign does not accept.")
    try:
        blindrsa.verify(blindrsa.load_public_key(lab_keys[message.lab_slug]), prepared, bytes(signature))
    except CryptoError:
        raise TokenRefused("The token's signature does not verify under the campaign's key for its lab.") from None
    return RedeemedToken(message.lab_slug, blindrsa.nullifier(prepared))


def spend_token(session: Session, campaign: Campaign, token: RedeemedToken) -> None:
    """Spend a checked token; refused if it was spent already."""
    if not insert_if_absent(session, SpentToken, campaign_id=campaign.id, nullifier=token.nullifier):
        raise TokenRefused("This token was already used.")


def redeem_token(session: Session, campaign: Campaign, prepared: bytes, signature: bytes) -> RedeemedToken:
    """Verify and spend a token; a second redemption of the same token is refused."""
    token = check_token(campaign, prepared, signature)
    spend_token(session, campaign, token)
    return token
