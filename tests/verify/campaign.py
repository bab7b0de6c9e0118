"""A whole campaign played in pure Python with the real ``crypto`` functions, every party's part
done the way it does it: trustees run the DKG and sign the transcript, the server issues blind
tokens and keeps a batched, signed log, signers seal in the "browser", trustees post partials.
At the end, :meth:`Campaign.record` is what the web app's exporter hands to ``build_record``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nacl.utils
from cryptography.hazmat.primitives.asymmetric import rsa
from nacl.secret import SecretBox
from nacl.signing import SigningKey

from crypto import blindrsa, dkg, group, log_leaves, merkle, reveal, seal
from crypto.formats import messages
from crypto.formats.files import manifest_ctx
from crypto.formats.record import build_record
from crypto.hashing import canonical_json
from pledge.services.manifest import TrusteeKeys, build_manifest

DEADLINE = datetime(2031, 6, 1, tzinfo=UTC)
FIRST_BATCH = 1_900_000_800  # Unix seconds, on a 15-minute boundary
BATCH_SECONDS = 900


@dataclass
class Trustee:
    """One trustee's secrets (kept by the test, as a trustee keeps them offline)."""

    index: int
    signing_seed: bytes
    x25519_secret: bytes
    keys: dkg.TrusteeKeys
    x_j: bytes = b""


@dataclass
class Signed:
    """One signer's entry: its leaf and ciphertext, and what only the signer knows."""

    lab: str
    leaf: bytes
    ciphertext: bytes
    nullifier: bytes
    payload: bytes | None
    withdrawal_seed: bytes


@dataclass
class Campaign:
    """A t-of-n campaign, its server-side log and its trustees."""

    t: int
    n: int
    token_keys: Mapping[str, rsa.RSAPrivateKey]
    rule: tuple[int, int, int]
    deadline: datetime = DEADLINE
    manifest: dict[str, Any] = field(default_factory=dict)
    ctx: bytes = b""
    trustees: dict[int, Trustee] = field(default_factory=dict)
    deals: dict[int, dkg.Deal] = field(default_factory=dict)
    Y: bytes = b""
    Yj: dict[int, bytes] = field(default_factory=dict)
    log_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    leaves: list[bytes] = field(default_factory=list)
    entries: dict[int, Signed] = field(default_factory=dict)  # by leaf index
    withdrawn: set[int] = field(default_factory=set)  # leaf indices of withdrawn entries
    heads: list[tuple[int, int, int, bytes, bytes]] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def campaign_id(self) -> bytes:
        return str(self.manifest["id"]).encode("ascii")

    # --- ceremony ---------------------------------------------------------------------------

    def freeze(self) -> None:
        """Trustees make keys, the organizer freezes the manifest, trustees deal and finish."""
        for i in range(1, self.n + 1):
            seed, x_secret = nacl.utils.random(32), nacl.utils.random(32)
            self.trustees[i] = Trustee(i, seed, x_secret, dkg.public_keys(seed, x_secret))
        min_total, min_per_lab, min_labs = self.rule
        manifest = build_manifest(
            public_id=secrets.token_hex(16), slug="no-unsafe-deployment",
            title="No unsafe deployment", pledge_text="I will withhold my work unless ...",
            conditions=["Publish the safety case.", "Independent audit."],
            labs=[{"slug": s, "name": s.title(), "domains": [f"{s}.example"]}
                  for s in self.token_keys],
            token_public_keys={s: blindrsa.public_key_der(k) for s, k in self.token_keys.items()},
            min_total=min_total, min_per_lab=min_per_lab, min_labs=min_labs, deadline=self.deadline,
            t=self.t, n=self.n,
            trustees=[TrusteeKeys(i, f"Trustee {i}", tr.keys.ed25519, tr.keys.x25519)
                      for i, tr in self.trustees.items()],
        )
        self.manifest = json.loads(canonical_json(manifest))
        self.ctx = manifest_ctx(self.manifest)
        self._run_dkg()

    def _run_dkg(self) -> None:
        recipients = {i: tr.keys.x25519 for i, tr in self.trustees.items()}
        for i, tr in self.trustees.items():
            self.deals[i] = dkg.deal(self.ctx, i, self.t, tr.signing_seed, tr.x25519_secret,
                                     recipients)
        for j, tr in self.trustees.items():
            tr.x_j = dkg.combine_shares(
                dkg.verify_deal(self.ctx, self.t, self.n, self.deals[i], self.trustees[i].keys,
                                j, tr.x25519_secret) for i in self.trustees)
        commitments = {i: d.commitments for i, d in self.deals.items()}
        self.Y, self.Yj = dkg.group_key(commitments), dkg.verification_keys(commitments)

    def transcript_signatures(self) -> dict[int, tuple[bytes, bytes]]:
        transcript = dkg.transcript(self.ctx, {i: d.commitments for i, d in self.deals.items()})
        return {j: (transcript, messages.sign(tr.signing_seed,
                                             messages.transcript_message(self.ctx, j, transcript)))
                for j, tr in self.trustees.items()}

    # --- signing and the log ----------------------------------------------------------------

    def sign(self, lab: str, name: str, *, display: str = "name",
             payload: bytes | None = None, box_key: bytes | None = None) -> Signed:
        """A signer gets a blind token and seals; ``payload``/``box_key`` make a bad signer."""
        key = self.token_keys[lab]
        prepared = blindrsa.prepare(blindrsa.token_message(self.campaign_id, lab))
        blinded, inv = blindrsa.blind(key.public_key(), prepared)
        token = blindrsa.finalize(key.public_key(), prepared, blindrsa.blind_sign(key, blinded),
                                  inv)
        nullifier = blindrsa.nullifier(prepared)
        if payload is None:
            payload = seal.encode_payload(name, "Researcher", f"{name} will not.", display)
        ad = self.ctx + nullifier
        ciphertext = (seal.seal(self.Y, ad, payload) if box_key is None
                      else _seal_with_wrong_key(self.Y, ad, payload, box_key))
        wseed = nacl.utils.random(32)
        leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
            lab=lab, token_message=prepared, token_signature=token, nullifier=nullifier,
            ciphertext_sha256=hashlib.sha256(ciphertext).digest(),
            withdrawal_key=bytes(SigningKey(wseed).verify_key)))
        return Signed(lab, leaf, ciphertext, nullifier, None if box_key else payload, wseed)

    def add(self, signed: Signed) -> int:
        self.entries[len(self.leaves)] = signed
        self.leaves.append(signed.leaf)
        return len(self.leaves) - 1

    def withdraw(self, index: int) -> None:
        entry = self.entries[index]
        signature = log_leaves.sign_withdrawal(entry.withdrawal_seed, entry.nullifier)
        self.leaves.append(log_leaves.encode_leaf(
            log_leaves.WithdrawalLeaf(entry.nullifier, signature)))
        self.withdrawn.add(index)

    def publish(self) -> int:
        """Sign a head over every leaf so far (one batch); returns its size."""
        batch, size = len(self.heads) + 1, len(self.leaves)
        timestamp = FIRST_BATCH + BATCH_SECONDS * (batch - 1)
        root = merkle.MerkleTree.from_leaves(self.leaves).root()
        signature = merkle.sign_tree_head(self.log_seed, self.campaign_id, size, timestamp, root)
        self.heads.append((batch, size, timestamp, root, signature))
        return size

    def live_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.token_keys, 0)
        for i, entry in self.entries.items():
            if i not in self.withdrawn:
                counts[entry.lab] += 1
        return counts

    # --- reveal -----------------------------------------------------------------------------

    def reveal(self, size: int, quorum: Sequence[int]) -> dict[str, Any]:
        """Trustees of ``quorum`` decrypt the round ending at ``size``; the server publishes."""
        start = self.rounds[-1]["size"] if self.rounds else 0
        live = [i for i in sorted(self.entries)
                if start <= i < size and i not in self.withdrawn]
        partials: dict[int, list[tuple[int, bytes]]] = {j: [] for j in quorum}
        for i in live:
            entry = self.entries[i]
            for j in quorum:
                partials[j].append((i, reveal.partial_decrypt(
                    j, self.trustees[j].x_j, self.Yj[j], entry.ciphertext[:32],
                    self.ctx + entry.nullifier)))
        rnd = {"number": len(self.rounds) + 1, "size": size,
               "ciphertexts": {i: self.entries[i].ciphertext for i in live},
               "partials": partials, "revealed": {i: self.entries[i].payload for i in live}}
        self.rounds.append(rnd)
        return rnd

    def freeze_round(self, size: int) -> None:
        """A round frozen at ``size`` that the trustees have not decrypted yet."""
        self.rounds.append({"number": len(self.rounds) + 1, "size": size, "pending": True})

    def record(self, state: str, *, destroyed: Sequence[int] = ()) -> dict[str, Any]:
        """The campaign record as the exporter builds it."""
        return build_record(**self.record_inputs(state, destroyed=destroyed))

    def record_inputs(self, state: str, *, destroyed: Sequence[int] = ()) -> dict[str, Any]:
        """What the exporter gathers from its database: the builder's keyword arguments."""
        return dict(
            manifest=self.manifest, ctx=self.ctx, deals=list(self.deals.values()),
            transcript_signatures=self.transcript_signatures(), group_key=self.Y,
            verification_keys=self.Yj, log_id=self.campaign_id,
            log_public_key=bytes(SigningKey(self.log_seed).verify_key), leaves=self.leaves,
            heads=self.heads, published_counts=self.live_counts(),
            counts_head_size=self.heads[-1][1] if self.heads else 0, rounds=self.rounds,
            outcome={"state": state, "threshold_met": bool(self.rounds),
                     "destroy_confirmations": {
                         j: messages.sign(self.trustees[j].signing_seed,
                                         messages.destroy_message(self.ctx, j))
                         for j in destroyed}},
        )


def _seal_with_wrong_key(Y: bytes, ad: bytes, payload: bytes, key: bytes) -> bytes:
    """A ciphertext whose proof verifies but whose box is locked with ``key``, not ``r·Y``:
    what a malicious signer's own client could make."""
    r, w = group.random_scalar(), group.random_scalar()
    R = group.scalarmult_base(r)
    box = bytes(SecretBox(key).encrypt(seal.pad(payload)))
    e = group.Hs("ct-pok", Y, R, group.scalarmult_base(w), ad, box)
    return R + e + group.scalar_add(w, group.scalar_mul(e, r)) + box


def plain(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as a verifier reads it: parsed canonical JSON (bytes as hex)."""
    return json.loads(canonical_json(record))
