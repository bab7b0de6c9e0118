"""Server-held keys: per-(campaign, lab) token keys and each campaign log's signing key.

Both are protected by secrets from configuration, never by anything in the database:

- a token private key is sealed with XChaCha20-Poly1305 under ``H("token-key-wrap",
  TOKEN_KEY_SECRET; n=32)``, with the campaign's public id and the lab slug as associated data, so
  a sealed key copied onto another campaign or lab row does not open;
- a log's Ed25519 seed is derived as ``H("log-key", LOG_KEY_SECRET, public_id; n=32)`` and never
  stored; only the public key is.
"""

from __future__ import annotations

import nacl.exceptions
import nacl.secret
import nacl.signing
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto import blindrsa
from crypto.hashing import H
from pledge.models import Campaign, CampaignLab


class SealedKeyError(RuntimeError):
    """A sealed key did not open: wrong secret, or the row was tampered with."""


def _wrap_key(secret: bytes) -> bytes:
    return H("token-key-wrap", secret, n=32)


def _associated(campaign: Campaign, link: CampaignLab) -> bytes:
    return b"pledge/v1/token-key|" + campaign.public_id.encode("ascii") + b"|" + link.lab.slug.encode("utf-8")


def create_token_keys(campaign: Campaign, secret: bytes) -> None:
    """Give every eligible lab of ``campaign`` a fresh RSA-2048 token key (once)."""
    box = nacl.secret.Aead(_wrap_key(secret))
    for link in campaign.lab_links:
        if link.token_public_key is not None:
            continue
        key = blindrsa.generate_key()
        link.token_public_key = blindrsa.public_key_der(key)
        link.token_private_key_sealed = bytes(
            box.encrypt(blindrsa.private_key_to_der(key), _associated(campaign, link))
        )


def token_private_key(campaign: Campaign, link: CampaignLab, secret: bytes) -> rsa.RSAPrivateKey:
    """Open the sealed token key of one (campaign, lab)."""
    if link.token_private_key_sealed is None:
        raise SealedKeyError("this lab has no token key yet")
    try:
        der = nacl.secret.Aead(_wrap_key(secret)).decrypt(link.token_private_key_sealed, _associated(campaign, link))
    except nacl.exceptions.CryptoError:
        raise SealedKeyError("token key does not open with the configured TOKEN_KEY_SECRET") from None
    return blindrsa.load_private_key(bytes(der))


def log_signing_key(campaign: Campaign, secret: bytes) -> nacl.signing.SigningKey:
    """The campaign log's Ed25519 key, derived from LOG_KEY_SECRET (never stored)."""
    return nacl.signing.SigningKey(H("log-key", secret, campaign.public_id.encode("ascii"), n=32))


def log_public_key(campaign: Campaign, secret: bytes) -> bytes:
    """The public half of :func:`log_signing_key`."""
    return bytes(log_signing_key(campaign, secret).verify_key)
