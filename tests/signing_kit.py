"""A Python signer for tests: mints real blind tokens, seals payloads, builds submissions."""

from __future__ import annotations

import hashlib
import secrets

from nacl.signing import SigningKey
from sqlalchemy import select

from crypto import blindrsa, log_leaves, seal
from crypto.log_leaves import sign_withdrawal
from crypto.opening import new_opening
from pledge.extensions import db
from pledge.models import LogLeaf, TreeHead
from pledge.services.keys import token_private_key


def mint_token(campaign, lab_slug: str, token_key_secret: bytes) -> tuple[bytes, bytes]:
    """A token issued the real way: blinded by the 'client', blind-signed by the server's key."""
    link = next(link for link in campaign.lab_links if link.lab.slug == lab_slug)
    public = blindrsa.load_public_key(link.token_public_key)
    prepared = blindrsa.prepare(blindrsa.token_message(campaign.public_id.encode("ascii"), lab_slug))
    blinded, inv = blindrsa.blind(public, prepared)
    blind_signature = blindrsa.blind_sign(token_private_key(campaign, link, token_key_secret), blinded)
    return prepared, blindrsa.finalize(public, prepared, blind_signature, inv)


class Signer:
    """One signer: a token, a withdrawal key, and a sealed payload."""

    def __init__(self, campaign, lab_slug: str, token_key_secret: bytes, *, name: str = "A Researcher",
                 role: str = "Research scientist", statement: str = "", display: str = "name") -> None:
        self.campaign = campaign
        # Plain copies: a signer may run in another thread, away from the ORM session.
        self.group_key, self.ctx = bytes(campaign.group_key), bytes(campaign.ctx)
        self.prepared, self.signature = mint_token(campaign, lab_slug, token_key_secret)
        self.nullifier = blindrsa.nullifier(self.prepared)
        self.withdrawal_seed = secrets.token_bytes(32)
        self.payload = seal.encode_payload(name, role, statement, display)
        self.lab = lab_slug
        self.opening = new_opening(lab_slug, self.prepared, self.signature)

    def ciphertext(self, *, r: bytes | None = None) -> bytes:
        return seal.seal(self.group_key, self.ctx + self.nullifier, self.payload, r=r)

    @property
    def withdrawal_key(self) -> bytes:
        return bytes(SigningKey(self.withdrawal_seed).verify_key)

    def opening_body(self) -> dict:
        return {"nonce": self.opening.nonce.hex(), "prepared_message": self.prepared.hex(), "slug": self.lab,
                "token_signature": self.signature.hex()}

    def body(self, ciphertext: bytes | None = None) -> dict:
        return {
            "opening": self.opening_body(),
            "ciphertext": (ciphertext or self.ciphertext()).hex(),
            "withdrawal_key": self.withdrawal_key.hex(),
        }

    def leaf(self, ciphertext: bytes) -> bytes:
        """The entry leaf this signer expects the server to log for ``ciphertext``."""
        return log_leaves.encode_leaf(log_leaves.EntryLeaf(
            lab_commitment=self.opening.commitment, nullifier=self.nullifier,
            ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=self.withdrawal_key))

    def withdrawal(self) -> dict:
        return {"nullifier": self.nullifier.hex(), "signature": sign_withdrawal(self.withdrawal_seed, self.nullifier).hex()}


def log_count(campaign) -> int:
    """The count anyone can recompute from the published log: distinct nullifiers of entries,
    minus those with a published withdrawal (tokens are checked by the trustees from the
    openings, and by everyone once revealed)."""
    size = db.session.scalar(select(TreeHead.size).where(TreeHead.campaign_id == campaign.id)
                             .order_by(TreeHead.batch.desc()).limit(1)) or 0
    live, withdrawn = set(), set()
    for leaf in db.session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id, LogLeaf.leaf_index < size)):
        parsed = log_leaves.parse_leaf(leaf)
        if isinstance(parsed, log_leaves.EntryLeaf):
            live.add(parsed.nullifier)
        elif isinstance(parsed, log_leaves.WithdrawalLeaf):
            withdrawn.add(parsed.nullifier)
    return len(live - withdrawn)
