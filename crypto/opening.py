"""An entry's opening: what ties its log leaf to its lab, kept sealed until the entry's reveal
(docs/protocol.md §7).

An entry leaf carries ``lab_commitment = H("lab-commitment", utf8(slug), prepared_message,
token_signature, nonce; n=32)`` and no lab or token. The signer's client draws the 32-byte
``nonce``, computes the commitment and the leaf itself, and sends the opening
``{"nonce", "prepared_message", "slug", "token_signature"}`` with the ciphertext. The server
checks it and keeps it like the ciphertext; the trustees check every live entry's opening before
they decrypt a round; the public gets the openings of the entries a round reveals, with their
payloads.

:func:`check_opening` is the one check, used by the server, the trustee tool and the verifier:
the commitment, the nullifier, the token's campaign and lab, and the token signature under the
lab's key.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import blindrsa
from .errors import CryptoError, EncodingError
from .hashing import H
from .log_leaves import MAX_TOKEN_BYTES, EntryLeaf, bounded, check_lab

COMMITMENT_TAG = "lab-commitment"
COMMITMENT_BYTES = 32
NONCE_BYTES = 32
#: The keys of an opening's JSON object (docs/protocol.md §7).
OPENING_KEYS = frozenset({"nonce", "prepared_message", "slug", "token_signature"})


class OpeningError(CryptoError):
    """An opening that does not open its leaf; the message says which check failed."""


@dataclass(frozen=True)
class Opening:
    """The lab of an entry and the token that proves it, with the commitment's nonce."""

    slug: str
    prepared_message: bytes
    token_signature: bytes
    nonce: bytes

    def __post_init__(self) -> None:
        check_lab(self.slug)
        # 33: the 32-byte RFC 9474 prefix and at least one byte of message.
        bounded(self.prepared_message, 33, MAX_TOKEN_BYTES, "prepared message")
        bounded(self.token_signature, 1, MAX_TOKEN_BYTES, "token signature")
        bounded(self.nonce, NONCE_BYTES, NONCE_BYTES, "opening nonce")

    @property
    def commitment(self) -> bytes:
        """The ``lab_commitment`` this opening opens."""
        return lab_commitment(self.slug, self.prepared_message, self.token_signature, self.nonce)

    @property
    def nullifier(self) -> bytes:
        """The nullifier of the opening's token."""
        return blindrsa.nullifier(self.prepared_message)

    def doc(self) -> dict[str, Any]:
        """JSON-ready data (bytes become hex in canonical JSON)."""
        return {"nonce": self.nonce, "prepared_message": self.prepared_message, "slug": self.slug,
                "token_signature": self.token_signature}


def lab_commitment(slug: str, prepared_message: bytes, token_signature: bytes, nonce: bytes) -> bytes:
    """``H("lab-commitment", utf8(slug), prepared_message, token_signature, nonce; n=32)``."""
    check_lab(slug)
    return H(COMMITMENT_TAG, slug.encode("utf-8"), bytes(prepared_message), bytes(token_signature),
             bounded(nonce, NONCE_BYTES, NONCE_BYTES, "opening nonce"), n=COMMITMENT_BYTES)


def new_opening(slug: str, prepared_message: bytes, token_signature: bytes) -> Opening:
    """An opening with a fresh random nonce (what a signer's client makes for each entry)."""
    return Opening(slug, bytes(prepared_message), bytes(token_signature), secrets.token_bytes(NONCE_BYTES))


def _hex(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise EncodingError(f"opening field {name} must be lowercase hex")
    try:
        data = bytes.fromhex(value)
    except ValueError as exc:
        raise EncodingError(f"opening field {name} must be lowercase hex") from exc
    if data.hex() != value:
        raise EncodingError(f"opening field {name} must be lowercase hex")
    return data


def parse_opening(obj: object) -> Opening:
    """An opening from its JSON object (exactly the four keys; hex lowercase). Raises
    :class:`EncodingError` naming the field at fault."""
    if not isinstance(obj, dict) or set(obj) != OPENING_KEYS:
        raise EncodingError("an opening is an object with exactly nonce, prepared_message, slug and token_signature")
    if not isinstance(obj["slug"], str):
        raise EncodingError("opening field slug must be a string")
    return Opening(obj["slug"], _hex(obj["prepared_message"], "prepared_message"),
                   _hex(obj["token_signature"], "token_signature"), _hex(obj["nonce"], "nonce"))


def check_opening(opening: Opening, leaf: EntryLeaf, campaign_id: bytes, lab_keys: Mapping[str, bytes]) -> str:
    """Check that ``opening`` opens ``leaf`` of the campaign ``campaign_id`` (its log id, ASCII)
    whose token keys are ``lab_keys`` (slug -> SPKI DER); return the lab slug.

    In order: the commitment, the nullifier, the token message's campaign and lab, the token
    signature under that lab's key. Raises :class:`OpeningError` naming the failed check.
    """
    if opening.commitment != leaf.lab_commitment:
        raise OpeningError("the opening does not match the entry's lab commitment")
    if opening.nullifier != leaf.nullifier:
        raise OpeningError("the opening's token is not the entry's (its nullifier differs)")
    try:
        message = blindrsa.parse_token_message(opening.prepared_message[blindrsa.PREFIX_LEN:])
    except CryptoError as exc:
        raise OpeningError(f"the opening's token is not a Pledge token: {exc}") from None
    if message.campaign_id != bytes(campaign_id):
        raise OpeningError("the opening's token is for another campaign")
    if message.lab_slug != opening.slug:
        raise OpeningError(f"the opening names lab {opening.slug!r} but its token is for lab {message.lab_slug!r}")
    if opening.slug not in lab_keys:
        raise OpeningError(f"the opening names lab {opening.slug!r}, which the campaign does not list")
    try:
        blindrsa.verify(blindrsa.load_public_key(lab_keys[opening.slug]), opening.prepared_message,
                        opening.token_signature)
    except CryptoError:
        raise OpeningError(f"the opening's token signature does not verify under lab {opening.slug!r}'s key") from None
    return opening.slug
