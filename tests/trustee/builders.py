"""The web app's side of the trustee files, played by the tests: the ceremony package, the
board, signers with real blind-signed tokens and their openings, the campaign log, the round
package and the openings package.

Everything here uses the real ``crypto`` functions; only the server is simulated.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from nacl.signing import SigningKey

from crypto import blindrsa, dkg, log_leaves, merkle, rounds, seal
from crypto.formats import files, keys, roundfile
from crypto.hashing import canonical_json
from crypto.opening import Opening, new_opening
from pledge.services.manifest import Protection, TrusteeKeys, build_manifest
from pledge_tools.trustee.cli import main

PASSPHRASE = "correct horse battery staple"
LABS = {"lab-a": ("Lab A", ["a.example"]), "lab-b": ("Lab B", ["b.example"]),
        "lab-c": ("Lab C", ["c.example"])}
PUBLIC_ID = secrets.token_hex(16)
LOG_ID = PUBLIC_ID.encode("ascii")
#: The campaign log's signing seed: its public key is the manifest's ``log_key``.
LOG_SEED = hashlib.sha256(b"pledge test log key").digest()


def write_json(path: Path, doc: Any) -> Path:
    """Write a document the way the web app serves it (canonical JSON)."""
    path.write_bytes(canonical_json(doc))
    return path


def read_json(path: Path) -> Any:
    """A file as plain JSON data (for tests that tamper with it)."""
    return json.loads(path.read_bytes())


def run(*args: str | Path) -> int:
    """Run ``pledge-trustee`` in-process with string arguments."""
    return main([str(a) for a in args])


@dataclass
class Ceremony:
    """A finished 3-of-5 ceremony on disk, and what the server knows about it."""

    folder: Path
    manifest: dict[str, Any]
    ctx: bytes
    token_keys: dict[str, rsa.RSAPrivateKey]
    key_files: dict[int, Path] = field(default_factory=dict)
    deal_files: dict[int, Path] = field(default_factory=dict)
    share_files: dict[int, Path] = field(default_factory=dict)
    signature_files: dict[int, Path] = field(default_factory=dict)
    package: Path = Path()
    board: Path = Path()
    deals: dict[int, dkg.Deal] = field(default_factory=dict)
    Y: bytes = b""
    Yj: dict[int, bytes] = field(default_factory=dict)

    @property
    def campaign_id(self) -> bytes:
        return str(self.manifest["id"]).encode("ascii")


def make_manifest(
    public_files: dict[int, Path], token_keys: dict[str, rsa.RSAPrivateKey], **rule: int
) -> dict[str, Any]:
    """The manifest exactly as the web app builds it, with canonical JSON values."""
    trustees = []
    for index, path in sorted(public_files.items()):
        name, ed, x = keys.load_public(path)
        trustees.append(TrusteeKeys(index=index, name=name, ed25519=ed, x25519=x))
    manifest = build_manifest(
        public_id=PUBLIC_ID, slug="no-unsafe-deployment", title="No unsafe deployment",
        pledge_text="I will withhold my work unless my lab meets the conditions below.",
        conditions=["Publish the safety case.", "Independent audit."],
        labs=[{"slug": s, "name": n, "domains": d} for s, (n, d) in LABS.items()],
        token_public_keys={s: blindrsa.public_key_der(k) for s, k in token_keys.items()},
        min_total=rule.get("min_total", 6), min_per_lab=rule.get("min_per_lab", 2),
        min_labs=rule.get("min_labs", 2), deadline=datetime(2030, 1, 1, tzinfo=UTC),
        t=3, n=len(trustees), trustees=trustees,
        protection=Protection(k=2, practice=False, log_key=bytes(SigningKey(LOG_SEED).verify_key), witnesses=(),
                              w=len(trustees) // 2 + 1,
                              batch_interval=3600, reveal_window=14 * 86400),
    )
    return json.loads(canonical_json(manifest))


def board_of(folder: Path, deal_files: dict[int, Path], name: str = "board.json") -> Path:
    """Assemble the board from the uploaded deal files, as the server would."""
    deals = {}
    ctx = b""
    for i, path in deal_files.items():
        ctx, deals[i] = files.load_deal(path)
    return write_json(folder / name, files.board_doc(ctx, deals))


# --- signers and the log --------------------------------------------------------------------


@dataclass
class Signed:
    """One signer's entry: its leaf, its ciphertext, its opening, and what only the signer
    knows."""

    lab: str
    leaf: bytes
    ciphertext: bytes
    nullifier: bytes
    payload: bytes
    withdrawal_seed: bytes
    opening: Opening


def issue_token(key: rsa.RSAPrivateKey, campaign_id: bytes, lab: str) -> tuple[bytes, bytes]:
    """A real RFC 9474 token: the signer prepares and blinds, the server signs, the signer
    finalizes."""
    pk = key.public_key()
    prepared = blindrsa.prepare(blindrsa.token_message(campaign_id, lab))
    blinded, inv = blindrsa.blind(pk, prepared)
    return prepared, blindrsa.finalize(pk, prepared, blindrsa.blind_sign(key, blinded), inv)


def entry_leaf(opening: Opening, ciphertext: bytes, wseed: bytes,
               nullifier: bytes | None = None) -> bytes:
    """The log leaf of an entry: it commits to ``opening`` (its nullifier, unless given)."""
    return log_leaves.encode_leaf(log_leaves.EntryLeaf(
        lab_commitment=opening.commitment,
        nullifier=opening.nullifier if nullifier is None else nullifier,
        ciphertext_sha256=hashlib.sha256(ciphertext).digest(),
        withdrawal_key=bytes(SigningKey(wseed).verify_key)))


def sign_pledge(c: Ceremony, lab: str, name: str) -> Signed:
    """What the browser does: get a token, seal the payload to Y with ad = ctx || nullifier,
    draw the opening's nonce and commit to the lab."""
    prepared, sig = issue_token(c.token_keys[lab], c.campaign_id, lab)
    nullifier = blindrsa.nullifier(prepared)
    payload = seal.encode_payload(name, "Researcher", f"{name} will not.", "name")
    ciphertext = seal.seal(c.Y, c.ctx + nullifier, payload)
    wseed = secrets.token_bytes(32)
    opening = new_opening(lab, prepared, sig)
    return Signed(lab, entry_leaf(opening, ciphertext, wseed), ciphertext, nullifier, payload,
                  wseed, opening)


def withdrawal(entry: Signed) -> bytes:
    """The withdrawal leaf of ``entry``, signed with its withdrawal key."""
    signature = log_leaves.sign_withdrawal(entry.withdrawal_seed, entry.nullifier)
    return log_leaves.encode_leaf(log_leaves.WithdrawalLeaf(entry.nullifier, signature))


@dataclass
class Log:
    """The campaign log: leaves, the log's signing key, per leaf the ciphertext it serves, and
    the openings the server keeps (by leaf index)."""

    leaves: list[bytes] = field(default_factory=list)
    ciphertexts: list[bytes | None] = field(default_factory=list)
    seed: bytes = LOG_SEED
    openings: dict[int, Opening] = field(default_factory=dict)
    heads: list[roundfile.TreeHead] = field(default_factory=list)

    @property
    def public_key(self) -> bytes:
        return bytes(SigningKey(self.seed).verify_key)

    def copy(self) -> Log:
        return Log(list(self.leaves), list(self.ciphertexts), self.seed, dict(self.openings),
                   list(self.heads))

    def add(self, leaf: bytes, ciphertext: bytes | None = None,
            opening: Opening | None = None) -> int:
        self.leaves.append(leaf)
        self.ciphertexts.append(ciphertext)
        if opening is not None:
            self.openings[len(self.leaves) - 1] = opening
        return len(self.leaves) - 1

    def sign(self, entry: Signed, ciphertext: bool = True) -> int:
        """Append ``entry`` with its opening (and its ciphertext, unless it was dropped)."""
        return self.add(entry.leaf, entry.ciphertext if ciphertext else None, entry.opening)

    def live(self, size: int | None = None) -> list[int]:
        """Entries not withdrawn among the first ``size`` leaves."""
        entries, withdrawn = {}, set()
        for index, data in enumerate(self.leaves[:size]):
            leaf = log_leaves.parse_leaf(data)
            if isinstance(leaf, log_leaves.EntryLeaf):
                entries[leaf.nullifier] = index
            elif isinstance(leaf, log_leaves.WithdrawalLeaf):
                withdrawn.add(entries[leaf.nullifier])
        return sorted(i for i in entries.values() if i not in withdrawn)

    def listed(self) -> set[int]:
        """Entries every round-frozen event so far lists."""
        out: set[int] = set()
        for data in self.leaves:
            leaf = log_leaves.parse_leaf(data)
            if isinstance(leaf, log_leaves.EventLeaf) and leaf.event == "round-frozen":
                out.update(leaf.leaves)
        return out

    def freeze(self, number: int, k: int = 2, listed: list[int] | None = None) -> list[int]:
        """Append round ``number``'s round-frozen event (docs/protocol.md §8): per lab, every
        candidate if the lab has at least ``k``, else none (or exactly ``listed``). Returns the
        leaves it lists."""
        if listed is None:
            earlier = self.listed()
            candidates: dict[str, list[int]] = {}
            for i in self.live():
                if number == 1 or i not in earlier:
                    candidates.setdefault(self.openings[i].slug, []).append(i)
            listed = rounds.select(candidates, k)
        self.add(log_leaves.encode_leaf(log_leaves.EventLeaf("round-frozen", round=number, leaves=tuple(listed))))
        return listed

    def head(self, size: int | None = None, timestamp: int = 1_900_000_000,
             root: bytes | None = None, seed: bytes | None = None) -> roundfile.TreeHead:
        """A signed tree head; ``root`` and ``seed`` let a test sign something wrong."""
        size = len(self.leaves) if size is None else size
        root = merkle.MerkleTree.from_leaves(self.leaves[:size]).root() if root is None else root
        signature = merkle.sign_tree_head(seed or self.seed, LOG_ID, size, timestamp, root)
        return roundfile.TreeHead(size, timestamp, root, signature)

    def publish(self, timestamp: int) -> roundfile.TreeHead:
        """Sign the head of a batch ending here and keep it (for the openings package)."""
        head = self.head(timestamp=timestamp)
        self.heads.append(head)
        return head


def round_package(
    c: Ceremony, log: Log, path: Path, *, head: roundfile.TreeHead | None = None,
    previous: roundfile.TreeHead | None = None, openings: dict[int, Opening] | None = None,
) -> Path:
    """The round package for the log's current head (or ``head``): ciphertexts for the entries
    the last round-frozen event lists (for every leaf the log has one for, without an event), and
    the openings of every live entry at the head (or ``openings``)."""
    head = head or log.head()
    frozen = [leaf for leaf in map(log_leaves.parse_leaf, log.leaves[: head.size])
              if isinstance(leaf, log_leaves.EventLeaf) and leaf.event == "round-frozen"]
    served = set(frozen[-1].leaves) if frozen else set(range(head.size))
    leaves = [roundfile.RoundLeaf(i, leaf, log.ciphertexts[i] if i in served else None)
              for i, leaf in enumerate(log.leaves[: head.size])]
    proof = (merkle.MerkleTree.from_leaves(log.leaves).consistency_proof(previous.size, head.size)
             if previous else [])
    if openings is None:
        openings = {i: log.openings[i] for i in log.live(head.size) if i in log.openings}
    doc = roundfile.round_doc(
        files.ceremony_doc(c.manifest, c.ctx), read_json(c.board), LOG_ID, log.public_key,
        head, leaves, previous, proof, openings=openings)
    return write_json(path, doc)


def openings_package(c: Ceremony, log: Log, path: Path, *,
                     openings: dict[int, Opening] | None = None) -> Path:
    """The openings package at an expiry: every head the log published, every leaf, and the
    opening of every entry (withdrawn ones included), or ``openings``."""
    doc = roundfile.expiry_doc(
        files.ceremony_doc(c.manifest, c.ctx), LOG_ID, log.public_key, log.heads, log.leaves,
        dict(log.openings) if openings is None else openings)
    return write_json(path, doc)


@dataclass
class Round:
    """A campaign log at its first reveal: 10 live entries and one withdrawn, and the
    partials that trustees 1, 3 and 5 wrote for it."""

    log: Log
    entries: list[Signed]
    withdrawn: Signed
    package: Path
    head: roundfile.TreeHead
    partials: dict[int, Path]


def signed_log(c: Ceremony) -> tuple[Log, list[Signed], Signed]:
    """Ten signers at two labs (6 at lab-a, 4 at lab-b) and one at lab-b who withdraws (leaf 4,
    withdrawn at the last leaf)."""
    log = Log()
    entries = [sign_pledge(c, "lab-a" if k % 5 < 3 else "lab-b", f"Signer {k}")
               for k in range(10)]
    withdrawn = sign_pledge(c, "lab-b", "Changed Mind")
    for entry in entries[:4]:
        log.sign(entry)
    log.sign(withdrawn, ciphertext=False)  # the server drops a withdrawn entry's ciphertext
    for entry in entries[4:]:
        log.sign(entry)
    log.add(withdrawal(withdrawn))
    return log, entries, withdrawn
