"""Sealing a signature on the signer's machine and building its submission (docs/protocol.md §6, §5, §7).

``ad = ctx || nullifier`` binds the ciphertext to this campaign and this token. For every entry
this draws a fresh Ed25519 seed (the withdrawal key; its public half goes into the entry) and a
fresh 32-byte nonce for the entry's opening, whose ``lab_commitment`` goes into the entry in
place of the lab. The entry's log leaf is built here too, from exactly what is submitted, so the
receipt's leaf hash is computed by the signer and the server's answer is only compared with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import nacl.utils
from nacl.signing import SigningKey

from crypto import log_leaves, merkle, seal
from crypto.formats.payload import Details
from crypto.formats.receipt import SEED_BYTES, Receipt
from crypto.formats.tokenfile import Token
from crypto.opening import Opening, new_opening

from .campaign_check import SealingKey


@dataclass(frozen=True)
class Submission:
    """The POST body and the receipt that goes with it (the receipt holds the secret seed)."""

    body: dict[str, Any] = field(repr=False)
    receipt: Receipt


def entry_leaf(opening: Opening, ciphertext: bytes, withdrawal_key: bytes) -> bytes:
    """The entry leaf the server will publish for this submission (docs/protocol.md §7)."""
    return log_leaves.encode_leaf(log_leaves.EntryLeaf(
        lab_commitment=opening.commitment, nullifier=opening.nullifier,
        ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=withdrawal_key,
    ))


def opening_json(opening: Opening) -> dict[str, str]:
    """The opening as the submission body carries it (hex strings, the lab slug as text)."""
    return {key: value.hex() if isinstance(value, bytes) else value for key, value in opening.doc().items()}


def seal_signature(
    server: str, key: SealingKey, token: Token, nullifier: bytes, details: Details
) -> Submission:
    """Seal ``details`` under the checked ``Y``; check the result as the server will."""
    ad = key.ctx + nullifier
    ciphertext = seal.seal(key.Y, ad, details.payload())
    seal.check_ciphertext(key.Y, ad, ciphertext)
    seed = nacl.utils.random(SEED_BYTES)
    public = bytes(SigningKey(seed).verify_key)
    opening = new_opening(token.lab, token.prepared, token.signature)
    receipt = Receipt(
        server=server, campaign=key.campaign.public_id, slug=key.campaign.slug, ctx=key.ctx,
        leaf_hash=merkle.leaf_hash(entry_leaf(opening, ciphertext, public)), nullifier=nullifier,
        opening=opening, withdrawal_secret=seed,
    )
    body = {"ciphertext": ciphertext.hex(), "opening": opening_json(opening), "withdrawal_key": public.hex()}
    return Submission(body, receipt)


def withdrawal_body(receipt: Receipt) -> dict[str, str]:
    """``{"nullifier", "signature"}``: the withdrawal signed with the receipt's key."""
    signature = log_leaves.sign_withdrawal(receipt.withdrawal_secret, receipt.nullifier)
    return {"nullifier": receipt.nullifier.hex(), "signature": signature.hex()}
