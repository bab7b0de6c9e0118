"""A Python signer for tests: mints real blind tokens, seals payloads, builds submissions."""

from __future__ import annotations

import secrets

from nacl.signing import SigningKey
from sqlalchemy import select

from crypto import blindrsa, log_leaves, seal
from crypto.log_leaves import sign_withdrawal
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

    def ciphertext(self, *, r: bytes | None = None) -> bytes:
        return seal.seal(self.group_key, self.ctx + self.nullifier, self.payload, r=r)

    def body(self, ciphertext: bytes | None = None) -> dict:
        return {
            "token": {"prepared": self.prepared.hex(), "signature": self.signature.hex()},
            "ciphertext": (ciphertext or self.ciphertext()).hex(),
            "withdrawal_key": bytes(SigningKey(self.withdrawal_seed).verify_key).hex(),
        }

    def withdrawal(self) -> dict:
        return {"nullifier": self.nullifier.hex(), "signature": sign_withdrawal(self.withdrawal_seed, self.nullifier).hex()}


def log_count(campaign) -> int:
    """The count anyone can recompute from the published log: distinct nullifiers of entries
    whose token verifies, minus those with a published withdrawal."""
    size = db.session.scalar(select(TreeHead.size).where(TreeHead.campaign_id == campaign.id)
                             .order_by(TreeHead.batch.desc()).limit(1)) or 0
    keys = {link.lab.slug: blindrsa.load_public_key(link.token_public_key) for link in campaign.lab_links}
    live, withdrawn = set(), set()
    for leaf in db.session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id, LogLeaf.leaf_index < size)):
        parsed = log_leaves.parse_leaf(leaf)
        if isinstance(parsed, log_leaves.EntryLeaf):
            blindrsa.verify(keys[parsed.lab], parsed.token_message, parsed.token_signature)
            assert blindrsa.nullifier(parsed.token_message) == parsed.nullifier
            live.add(parsed.nullifier)
        elif isinstance(parsed, log_leaves.WithdrawalLeaf):
            withdrawn.add(parsed.nullifier)
    return len(live - withdrawn)
