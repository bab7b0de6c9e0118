"""A whole campaign played in pure Python with the real ``crypto`` functions, every party's part
done the way it does it: trustees run the DKG and sign the transcript, the server issues blind
tokens and keeps a batched, signed log with its lifecycle events (docs/protocol.md §8), the
trustees cosign its heads as witnesses (§9), signers seal in the "browser", trustees post
partials. At the end, :meth:`Campaign.record` is what the web app's exporter hands to
``build_record``.

The builder checks nothing: a test can make it log what a server must not (an entry after the
deadline event, a round frozen too early) and see the verifier refuse it.
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

from crypto import blindrsa, dkg, group, log_leaves, merkle, reveal, rounds, seal
from crypto.formats import messages
from crypto.formats.files import manifest_ctx
from crypto.formats.record import build_record, round_digest
from crypto.hashing import canonical_json
from crypto.opening import Opening, new_opening
from pledge.services.manifest import Protection, TrusteeKeys, Witness, build_manifest

DEADLINE = datetime(2031, 6, 1, tzinfo=UTC)
FIRST_BATCH = 1_900_000_800  # Unix seconds, on a 15-minute boundary
BATCH_SECONDS = 900
REVEAL_WINDOW = 14 * 86400


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
    """One signer's entry: its leaf, ciphertext and opening, and what only the signer knows."""

    lab: str
    leaf: bytes
    ciphertext: bytes
    nullifier: bytes
    payload: bytes | None
    withdrawal_seed: bytes
    opening: Opening


@dataclass
class Campaign:
    """A t-of-n campaign, its server-side log and its trustees (who are its witnesses, with any
    ``extra_witnesses`` the organizer lists)."""

    t: int
    n: int
    token_keys: Mapping[str, rsa.RSAPrivateKey]
    rule: tuple[int, int, int]
    deadline: datetime = DEADLINE
    k: int = 2
    extra_witnesses: int = 0
    w: int | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    ctx: bytes = b""
    trustees: dict[int, Trustee] = field(default_factory=dict)
    witness_seeds: dict[bytes, bytes] = field(default_factory=dict)  # public key -> seed
    deals: dict[int, dkg.Deal] = field(default_factory=dict)
    Y: bytes = b""
    Yj: dict[int, bytes] = field(default_factory=dict)
    log_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    leaves: list[bytes] = field(default_factory=list)
    entries: dict[int, Signed] = field(default_factory=dict)  # by leaf index
    withdrawn: set[int] = field(default_factory=set)  # leaf indices of withdrawn entries
    heads: list[tuple[int, int, int, bytes, bytes, dict[bytes, bytes]]] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    ended: str | None = None
    statements: dict[int, int] = field(default_factory=dict)  # entry index -> statements made

    @property
    def campaign_id(self) -> bytes:
        return str(self.manifest["id"]).encode("ascii")

    @property
    def deadline_ts(self) -> int:
        return int(self.deadline.timestamp())

    @property
    def quorum(self) -> int:
        return int(self.manifest["w"])

    # --- ceremony ---------------------------------------------------------------------------

    def freeze(self) -> None:
        """Trustees make keys, the organizer freezes the manifest, trustees deal and finish."""
        for i in range(1, self.n + 1):
            seed, x_secret = nacl.utils.random(32), nacl.utils.random(32)
            self.trustees[i] = Trustee(i, seed, x_secret, dkg.public_keys(seed, x_secret))
            self.witness_seeds[self.trustees[i].keys.ed25519] = seed
        extra = []
        for number in range(1, self.extra_witnesses + 1):
            seed = nacl.utils.random(32)
            key = bytes(SigningKey(seed).verify_key)
            self.witness_seeds[key] = seed
            extra.append(Witness(f"Witness {number}", key))
        n_w = self.n + self.extra_witnesses
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
            protection=Protection(
                k=self.k, practice=False, log_key=bytes(SigningKey(self.log_seed).verify_key),
                witnesses=tuple(extra), w=self.w or n_w // 2 + 1, batch_interval=BATCH_SECONDS,
                reveal_window=REVEAL_WINDOW),
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
        opening = new_opening(lab, prepared, token)
        leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
            lab_commitment=opening.commitment, nullifier=nullifier,
            ciphertext_sha256=hashlib.sha256(ciphertext).digest(),
            withdrawal_key=bytes(SigningKey(wseed).verify_key)))
        return Signed(lab, leaf, ciphertext, nullifier, None if box_key else payload, wseed, opening)

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

    def event(self, leaf: log_leaves.EventLeaf) -> int:
        """Append an event leaf; returns its index."""
        self.leaves.append(log_leaves.encode_leaf(leaf))
        return len(self.leaves) - 1

    def next_timestamp(self) -> int:
        return self.heads[-1][2] + BATCH_SECONDS if self.heads else FIRST_BATCH

    def publish(self, at: int | None = None, *, cosigners: Sequence[bytes] | None = None) -> int:
        """Sign a head over every leaf so far (one batch), at time ``at`` (default: one batch
        interval after the previous head), cosigned by ``cosigners`` (witness keys; default
        every witness); returns its size."""
        batch, size = len(self.heads) + 1, len(self.leaves)
        timestamp = self.next_timestamp() if at is None else at
        root = merkle.MerkleTree.from_leaves(self.leaves).root()
        signature = merkle.sign_tree_head(self.log_seed, self.campaign_id, size, timestamp, root)
        keys = list(self.witness_seeds) if cosigners is None else cosigners
        cosignatures = {key: merkle.sign_cosignature(self.witness_seeds[key], self.campaign_id,
                                                     size, timestamp, root) for key in keys}
        self.heads.append((batch, size, timestamp, root, signature, cosignatures))
        return size

    def trustee_key(self, j: int) -> bytes:
        return self.trustees[j].keys.ed25519

    def live(self) -> list[int]:
        return [i for i in sorted(self.entries) if i not in self.withdrawn]

    def live_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.token_keys, 0)
        for i in self.live():
            counts[self.entries[i].lab] += 1
        return counts

    # --- lifecycle events -------------------------------------------------------------------

    def candidates(self) -> dict[str, list[int]]:
        """The entries the next round may list, by lab: round 1 every live entry, the deadline
        round every live entry no earlier round lists."""
        frozen = {i for rnd in self.rounds for i in rnd["leaves"]}
        by_lab: dict[str, list[int]] = {}
        for i in self.live():
            if not self.rounds or i not in frozen:
                by_lab.setdefault(self.entries[i].lab, []).append(i)
        return by_lab

    def freeze_round(self, leaves: Sequence[int] | None = None) -> list[int]:
        """Freeze the next round, listing per lab every candidate if the lab has at least k,
        else none (``leaves``: what a misbehaving server lists instead). Returns the leaves."""
        listed = rounds.select(self.candidates(), self.k) if leaves is None else list(leaves)
        number = len(self.rounds) + 1
        self.event(log_leaves.EventLeaf("round-frozen", round=number, leaves=tuple(listed)))
        self.rounds.append({"number": number, "status": "pending", "leaves": listed,
                            "batch": len(self.heads) + 1})
        return listed

    def reveal(self, number: int, quorum: Sequence[int]) -> dict[str, Any]:
        """Trustees of ``quorum`` decrypt round ``number``; the server stores their partials,
        publishes the payloads and logs ``round-revealed`` with the partials' digest."""
        rnd = self.rounds[number - 1]
        partials: dict[int, list[tuple[int, bytes]]] = {j: [] for j in quorum}
        by_leaf: dict[int, tuple[Opening, dict[int, bytes]]] = {
            i: (self.entries[i].opening, {}) for i in rnd["leaves"]}
        for i in rnd["leaves"]:
            entry = self.entries[i]
            for j in quorum:
                partial = reveal.partial_decrypt(j, self.trustees[j].x_j, self.Yj[j],
                                                 entry.ciphertext[:32], self.ctx + entry.nullifier)
                partials[j].append((i, partial))
                by_leaf[i][1][j] = partial
        rnd.update(status="revealed", partials=partials,
                   ciphertexts={i: self.entries[i].ciphertext for i in rnd["leaves"]},
                   openings={i: self.entries[i].opening for i in rnd["leaves"]},
                   revealed={i: self.entries[i].payload for i in rnd["leaves"]})
        self.event(log_leaves.EventLeaf("round-revealed", round=number, digest=round_digest(by_leaf)))
        return rnd

    def abandon(self, number: int) -> None:
        self.event(log_leaves.EventLeaf("round-abandoned", round=number))
        self.rounds[number - 1]["status"] = "abandoned"

    def end_signing(self) -> str:
        """The deadline event: ``expired``, a deadline round, or ``signing-ended``."""
        if not self.rounds:
            self.event(log_leaves.EventLeaf("expired"))
            self.ended = "expired"
            return "expired"
        if rounds.select(self.candidates(), self.k):
            self.freeze_round()
            return "round-frozen"
        self.event(log_leaves.EventLeaf("signing-ended"))
        return "signing-ended"

    def close(self) -> None:
        self.event(log_leaves.EventLeaf("closed"))
        self.ended = "closed"

    def destroy(self, j: int) -> None:
        signature = messages.sign(self.trustees[j].signing_seed, messages.destroy_message(self.ctx, j))
        self.event(log_leaves.EventLeaf("share-destroyed", trustee=j, signature=signature))

    def take_down(self) -> int:
        """A site admin takes the campaign down: the ``taken-down`` event, which abandons every
        pending round (no ``round-abandoned`` event of their own); returns its index."""
        index = self.event(log_leaves.EventLeaf("taken-down"))
        for rnd in self.rounds:
            if rnd["status"] == "pending":
                rnd["status"] = "abandoned"
        self.ended = "taken-down"
        return index

    # --- after the reveal: statements and condition leaves ------------------------------------

    def statement(self, index: int, stance: str, *, seq: int | None = None,
                  signer: int | None = None) -> int:
        """The revealed signer of entry ``index`` states ``stance``; ``seq`` defaults to the
        number of that entry's earlier statements, and ``signer`` (another entry's index) makes
        the signature with that entry's withdrawal key instead. Returns the leaf's index."""
        entry = self.entries[index]
        if seq is None:
            seq = self.statements.get(index, 0)
        seed = self.entries[index if signer is None else signer].withdrawal_seed
        signature = log_leaves.sign_statement(seed, entry.nullifier, seq, stance)
        self.leaves.append(log_leaves.encode_leaf(
            log_leaves.StatementLeaf(entry.nullifier, seq, stance, signature)))
        self.statements[index] = self.statements.get(index, 0) + 1
        return len(self.leaves) - 1

    def condition(self, lab: str, number: int, status: str, *, date: str | None = None,
                  evidence: str = "", note: str = "") -> int:
        """The organizer's judgement of condition ``number`` at ``lab``; ``date`` defaults to
        the UTC day of the next head's time. Returns the leaf's index."""
        if date is None:
            date = datetime.fromtimestamp(self.next_timestamp(), UTC).date().isoformat()
        self.leaves.append(log_leaves.encode_leaf(log_leaves.ConditionLeaf(
            condition=number, lab=lab, status=status, date=date, evidence=evidence, note=note)))
        return len(self.leaves) - 1

    def state(self) -> str:
        if self.ended:
            return self.ended
        return "revealed" if self.rounds and self.rounds[0]["status"] == "revealed" else "open"

    # --- the record -------------------------------------------------------------------------

    def labs_reached(self) -> list[str]:
        """The labs at the rule's per-lab minimum: live now, or once round 1 froze, among the
        entries it lists (which are every live entry then of a lab at k or more)."""
        minimum = self.rule[1]
        counts = (rounds.per_lab(self.entries[i].lab for i in self.rounds[0]["leaves"])
                  if self.rounds else self.live_counts())
        return sorted(lab for lab, count in counts.items() if minimum and count >= minimum)

    def counts_head_size(self) -> int:
        """The head the counts are stated for: the latest, or round 1's freezing batch's."""
        if self.rounds:
            return self.heads[self.rounds[0]["batch"] - 1][1]
        return self.heads[-1][1] if self.heads else 0

    def record(self, **changes: Any) -> dict[str, Any]:
        """The campaign record as the exporter builds it (``changes`` override its inputs)."""
        return build_record(**{**self.record_inputs(), **changes})

    def record_inputs(self, exported_at: int | None = None) -> dict[str, Any]:
        """What the exporter gathers from its database: the builder's keyword arguments. The
        record is exported a minute after the latest head unless ``exported_at`` is given."""
        if exported_at is None:
            exported_at = (self.heads[-1][2] if self.heads else FIRST_BATCH) + 60
        return dict(
            exported_at=exported_at, manifest=self.manifest, ctx=self.ctx,
            deals=list(self.deals.values()), transcript_signatures=self.transcript_signatures(),
            group_key=self.Y, verification_keys=self.Yj, log_id=self.campaign_id,
            leaves=self.leaves, heads=self.heads, labs_reached=self.labs_reached(),
            counts_head_size=self.counts_head_size(),
            rounds=[{k: v for k, v in rnd.items() if k not in ("leaves", "batch")} for rnd in self.rounds],
            outcome={"state": self.state(), "threshold_met": bool(self.rounds)},
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


def resign(record: dict[str, Any], log_seed: bytes, witness_seeds: Mapping[bytes, bytes],
           *, sizes: Sequence[int] | None = None) -> dict[str, Any]:
    """``record`` (parsed JSON) with its heads remade over its (possibly changed) leaves: each
    head's root recomputed, signed with ``log_seed`` and cosigned by ``witness_seeds``; heads
    keep their batch and time, and take ``sizes`` (default: their own) as their sizes. What a
    forger holding those keys can do."""
    log_id = record["log"]["id"]
    campaign_id = bytes.fromhex(log_id)
    tree = merkle.MerkleTree.from_leaves(bytes.fromhex(leaf) for leaf in record["log"]["leaves"])
    heads = record["log"]["heads"]
    counted = record["counts"]["head_size"]
    for position, head in enumerate(heads):
        size = head["size"] if sizes is None else sizes[position]
        if head["size"] == counted:
            record["counts"]["head_size"] = size
        root = tree.root(size)
        head.update(size=size, root=root.hex(), signature=merkle.sign_tree_head(
            log_seed, campaign_id, size, head["timestamp"], root).hex(), cosignatures={
            key.hex(): merkle.sign_cosignature(seed, campaign_id, size, head["timestamp"], root).hex()
            for key, seed in sorted(witness_seeds.items())})
    return record
