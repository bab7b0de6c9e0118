"""A tiny WSGI server that speaks the signing API (docs/signing-api.md) with real cryptography
and can misbehave on purpose: the negative cases ``pledge-sign sign``/``check`` must refuse.
The happy path is tested against the real application, never against this."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey
from nacl.signing import SigningKey

from crypto import blindrsa, dkg, group, log_leaves, merkle
from crypto.formats import messages, tokenfile
from crypto.formats import receipt as receipts
from crypto.formats.jsonfile import VERSION
from crypto.hashing import H, canonical_json
from crypto.opening import Opening, new_opening, parse_opening

LAB = "anthropic"
T, N = 2, 3

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Ceremony:
    """A campaign whose manifest, board and token key are all real (no database)."""

    public_id: str = field(default_factory=lambda: secrets.token_hex(16))
    token_key: Any = field(default_factory=blindrsa.generate_key)
    seeds: list[bytes] = field(default_factory=lambda: [secrets.token_bytes(32) for _ in range(N)])
    x_secrets: list[bytes] = field(default_factory=lambda: [bytes(PrivateKey.generate())
                                                             for _ in range(N)])
    log_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def __post_init__(self) -> None:
        self.manifest = self._manifest()
        self.ctx = H("manifest", canonical_json(self.manifest), n=32)
        recipients = {i: dkg.public_keys(s, x).x25519
                      for i, (s, x) in enumerate(zip(self.seeds, self.x_secrets), start=1)}
        self.deals = {i: dkg.deal(self.ctx, i, T, self.seeds[i - 1], self.x_secrets[i - 1],
                                  recipients) for i in range(1, N + 1)}
        commitments = {i: d.commitments for i, d in self.deals.items()}
        self.transcript = dkg.transcript(self.ctx, commitments)
        self.Y = dkg.group_key(commitments)

    @property
    def slug(self) -> str:
        return f"c-{self.public_id[:8]}"

    def _manifest(self) -> dict[str, Any]:
        trustees = [{"index": i, "name": f"Trustee {i}",
                     "ed25519": dkg.public_keys(s, x).ed25519.hex(),
                     "x25519": dkg.public_keys(s, x).x25519.hex()}
                    for i, (s, x) in enumerate(zip(self.seeds, self.x_secrets), start=1)]
        lab = {"slug": LAB, "name": "Anthropic", "domains": ["anthropic.com"],
               "token_public_key": blindrsa.public_key_der(self.token_key).hex()}
        return {"v": VERSION, "id": self.public_id, "slug": self.slug, "title": "Fake pledge",
                "pledge_text": "I pledge.", "conditions": ["Do the thing."], "labs": [lab],
                "rule": {"min_total": 30, "min_per_lab": 8, "min_labs": 3},
                "deadline": "2099-01-01T00:00:00Z", "t": T, "n": N, "trustees": trustees,
                "k": 5, "practice": False, "log_key": bytes(SigningKey(self.log_seed).verify_key).hex(),
                "witnesses": [], "w": N // 2 + 1, "batch_interval": 900, "reveal_window": 14 * 86400}

    def transcript_signature(self, index: int, seed: bytes | None = None) -> bytes:
        """Trustee ``index``'s signature (or one by ``seed``, a forger's key)."""
        message = messages.transcript_message(self.ctx, index, self.transcript)
        return messages.sign(seed or self.seeds[index - 1], message)

    def token(self) -> tokenfile.Token:
        """A token issued the real way under this campaign's key."""
        public = self.token_key.public_key()
        prepared = blindrsa.prepare(blindrsa.token_message(self.public_id.encode(), LAB))
        blinded, inv = blindrsa.blind(public, prepared)
        blind_signature = blindrsa.blind_sign(self.token_key, blinded)
        signature = blindrsa.finalize(public, prepared, blind_signature, inv)
        return tokenfile.Token(self.public_id, self.slug, "Fake pledge", LAB,
                               blindrsa.public_key_der(public), prepared, signature)

    def write_tokens(self, path: Path) -> tokenfile.Token:
        token = self.token()
        tokenfile.write_tokens(path, [token.entry()])
        return token


def entry_leaf(opening: Opening, ciphertext: bytes, withdrawal_key: bytes) -> bytes:
    """The entry leaf a server builds for a submission, as the protocol says (docs/protocol.md §7)."""
    return log_leaves.encode_leaf(log_leaves.EntryLeaf(
        lab_commitment=opening.commitment, nullifier=opening.nullifier,
        ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=withdrawal_key))


@dataclass
class SignedLog:
    """A log of a few random leaves plus the receipt's, with a head signed by a real key."""

    public_id: str
    leaf: bytes
    key_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    timestamp: int = 1_900_000_000

    def __post_init__(self) -> None:
        self.leaf_hash = merkle.leaf_hash(self.leaf)
        self.tree = merkle.MerkleTree([secrets.token_bytes(32) for _ in range(4)])
        self.index = self.tree.append(self.leaf_hash)
        self.tree.append(secrets.token_bytes(32))

    def grow(self, leaves: int = 3) -> None:
        """A later batch: more leaves and a later head."""
        self.tree.extend(secrets.token_bytes(32) for _ in range(leaves))
        self.timestamp += 900

    def fork(self, extra: int = 3) -> None:
        """Rewrite history: the receipt's leaf at the same index, every other leaf different,
        under a validly signed later head (what a log that dropped or changed an entry serves)."""
        self.tree = merkle.MerkleTree([secrets.token_bytes(32) for _ in range(self.index)])
        self.tree.append(self.leaf_hash)
        self.tree.extend(secrets.token_bytes(32) for _ in range(extra))
        self.timestamp += 900

    def shrink(self) -> None:
        """Serve a shorter log than before (its head signed, the receipt's leaf still in it)."""
        self.tree = merkle.MerkleTree([self.tree.leaf_hash_at(i) for i in range(self.index + 1)])
        self.timestamp += 900

    def consistency(self, query: str) -> dict[str, Any]:
        params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        old, new = int(params["from"]), int(params["to"])
        return {"from": old, "to": new,
                "proof": [p.hex() for p in self.tree.consistency_proof(old, new)]}

    def head(self, *, bad_signature: bool = False, size: int | None = None) -> dict[str, Any]:
        size = self.tree.size if size is None else size
        log_id = self.public_id.encode("ascii")
        root = self.tree.root(size)
        signature = merkle.sign_tree_head(self.key_seed, log_id, size, self.timestamp, root)
        if bad_signature:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        public = bytes(SigningKey(self.key_seed).verify_key)
        return {"log_id": log_id.hex(), "log_public_key": public.hex(), "batch": 2,
                "size": size, "timestamp": self.timestamp, "root": root.hex(),
                "signature": signature.hex()}

    def status(self, **head_options: Any) -> dict[str, Any]:
        proof = self.tree.inclusion_proof(self.index)
        return {"status": "published", "index": self.index, "head": self.head(**head_options),
                "proof": [p.hex() for p in proof]}


@dataclass
class FakeSigningServer:
    """The fake's state and its misbehaviours (all off by default)."""

    ceremony: Ceremony = field(default_factory=Ceremony)
    forge_signature_of: int | None = None
    wrong_y: bool = False
    refuse_entry: tuple[str, str] | None = None
    log: SignedLog | None = None
    bad_head_signature: bool = False
    served_head_size: int | None = None
    accept_entry: bool = False  # answer a submission with the receipt of the leaf built from it
    answer_leaf_hash: bytes | None = None  # ... or with this leaf hash instead
    served_leaf: bytes | None = None  # serve this at the receipt's index instead of its leaf
    calls: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    query: str = ""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        self.query = environ.get("QUERY_STRING", "")
        self.calls.append(f"{method} {path}")
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            self.entries.append(json.loads(environ["wsgi.input"].read(length)))
        status, payload = self._route(method, path)
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(data)))])
        return [data]

    def _route(self, method: str, path: str) -> tuple[str, Any]:
        base = f"/api/campaigns/{self.ceremony.slug}"
        if (method, path) == ("GET", f"{base}/manifest"):
            return "200 OK", {"manifest": self.ceremony.manifest, "ctx": self.ceremony.ctx.hex()}
        if (method, path) == ("GET", f"{base}/board"):
            return "200 OK", self.board()
        if (method, path) == ("POST", f"{base}/entries") and self.refuse_entry:
            code, message = self.refuse_entry
            return "409 Conflict", {"error": code, "message": message}
        if (method, path) == ("POST", f"{base}/entries") and self.accept_entry:
            return "201 Created", self.answer(self.entries[-1])
        if self.log and (method, path) == ("GET", f"{base}/receipts/{self.log.leaf_hash.hex()}"):
            return "200 OK", self.log.status(bad_signature=self.bad_head_signature)
        if self.log and (method, path) == ("GET", f"{base}/log/head"):
            return "200 OK", self.log.head(bad_signature=self.bad_head_signature,
                                           size=self.served_head_size)
        if self.log and (method, path) == ("GET", f"{base}/log/consistency"):
            return "200 OK", self.log.consistency(self.query)
        if self.log and (method, path) == ("GET", f"{base}/log/leaves"):
            return "200 OK", self.leaves()
        return "404 Not Found", {"error": "not_found", "message": "No such page."}

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The receipt of a submission: the leaf built from the body's opening, or the one set."""
        opening = parse_opening(body["opening"])
        leaf = entry_leaf(opening, bytes.fromhex(body["ciphertext"]), bytes.fromhex(body["withdrawal_key"]))
        leaf_hash = self.answer_leaf_hash or merkle.leaf_hash(leaf)
        return {"receipt": {"campaign": self.ceremony.public_id, "slug": self.ceremony.slug,
                            "leaf_hash": leaf_hash.hex(), "nullifier": opening.nullifier.hex()}}

    def leaves(self) -> dict[str, Any]:
        """``log/leaves`` for the receipt's index only (the other leaves are random hashes)."""
        assert self.log is not None
        params = dict(part.split("=", 1) for part in self.query.split("&") if "=" in part)
        assert (int(params["start"]), int(params["end"])) == (self.log.index, self.log.index + 1)
        return {"start": self.log.index, "leaves": [(self.served_leaf or self.log.leaf).hex()]}

    def board(self) -> dict[str, Any]:
        c = self.ceremony
        signatures = []
        for index in range(1, N + 1):
            forger = secrets.token_bytes(32) if index == self.forge_signature_of else None
            signatures.append({"index": index, "transcript": c.transcript.hex(),
                               "signature": c.transcript_signature(index, forger).hex()})
        y = group.add(c.Y, group.G) if self.wrong_y else c.Y
        return {"ctx": c.ctx.hex(), "t": T, "n": N,
                "deals": [dkg.deal_to_dict(c.deals[i]) for i in range(1, N + 1)],
                "transcript_signatures": signatures, "Y": y.hex()}

    def receipt_for_log(self, path: Path, url: str) -> receipts.Receipt:
        """A receipt file for a published entry of this fake's log (a real token's opening, a
        random ciphertext hash and withdrawal key)."""
        token = self.ceremony.token()
        opening = new_opening(LAB, token.prepared, token.signature)
        seed = secrets.token_bytes(32)
        leaf = entry_leaf(opening, secrets.token_bytes(1160), bytes(SigningKey(seed).verify_key))
        self.log = SignedLog(self.ceremony.public_id, leaf, self.ceremony.log_seed)
        receipt = receipts.Receipt(url, self.ceremony.public_id, self.ceremony.slug,
                                   self.ceremony.ctx, self.log.leaf_hash, opening.nullifier,
                                   opening, seed)
        receipts.write_receipt(path, receipt)
        return receipt
