"""Redeeming a token: check it under its (campaign, lab) key and spend its nullifier.

The check uses only the campaign's frozen token public keys. A token says which lab it is for
(inside the signed message), so the server learns the lab and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crypto import blindrsa
from crypto.errors import CryptoError
from pledge.models import Campaign, SpentToken
from pledge.services.errors import ServiceError


class TokenRefused(ServiceError):
    """The token is not valid for this campaign, or it was spent already."""


@dataclass(frozen=True)
class RedeemedToken:
    """A valid token's lab and nullifier."""

    lab_slug: str
    nullifier: bytes


def _lab_key(campaign: Campaign, prepared: bytes):
    try:
        message = blindrsa.parse_token_message(prepared[blindrsa.PREFIX_LEN:])
    except CryptoError:
        raise TokenRefused("This is not a Pledge token.") from None
    if message.campaign_id != campaign.public_id.encode("ascii"):
        raise TokenRefused("This token is for another campaign.")
    for link in campaign.lab_links:
        if link.lab.slug == message.lab_slug and link.token_public_key:
            return message.lab_slug, blindrsa.load_public_key(link.token_public_key)
    raise TokenRefused("This token is for a lab this campaign does not accept.")


def check_token(campaign: Campaign, prepared: bytes, signature: bytes) -> RedeemedToken:
    """Verify a token for ``campaign`` without spending it."""
    lab_slug, key = _lab_key(campaign, bytes(prepared))
    try:
        blindrsa.verify(key, bytes(prepared), bytes(signature))
    except CryptoError:
        raise TokenRefused("The token's signature does not verify under the campaign's key for its lab.") from None
    return RedeemedToken(lab_slug, blindrsa.nullifier(bytes(prepared)))


def redeem_token(session: Session, campaign: Campaign, prepared: bytes, signature: bytes) -> RedeemedToken:
    """Verify and spend a token; a second redemption of the same token is refused."""
    token = check_token(campaign, prepared, signature)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = session.execute(
        insert(SpentToken).values(campaign_id=campaign.id, nullifier=token.nullifier).on_conflict_do_nothing()
    )
    if result.rowcount != 1:
        raise TokenRefused("This token was already used.")
    return token
