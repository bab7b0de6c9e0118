"""Vectors for the v2 encodings: canonical JSON, log leaves and tree heads.

Imported by ``tests/vectors/generate.py``, which writes the files (run it from the project root:
``.venv/bin/python tests/vectors/generate.py``). Every value is fixed or derived from
``generate.seed``, so the files come out identical on every run.

- ``canonical_json.json`` (docs/protocol.md §2)::

      {"valid": [{"name", "input", "output"}], "refused": [{"name", "input"}]}

  ``input`` is the value as ASCII JSON text (so that integers above 2**53 and lone surrogates
  survive every JSON parser that keeps integer source text); ``output`` is the hex of the
  canonical bytes. A ``refused`` value must be refused (integers outside 0..2**63-1, floats,
  lone surrogates). Floats that JavaScript cannot tell from integers (``1.0``, ``1e3``) are
  left out: the rule is about values, and in JavaScript those values are integers.

- ``events.json`` (docs/protocol.md §7, §8)::

      {"ctx", "trustee_key", "leaves": [{"name", "kind", "event" (events only), "leaf",
                                          "leaf_hash"}], "withdrawal_key", "opening",
       "revealed_list"}

  One leaf per event kind of :class:`crypto.log_leaves.EventLeaf` (``round-frozen`` twice:
  rounds 1 and 2), an entry, a withdrawal of that entry, two statements of that entry
  (``withholding`` with ``seq`` 0, then ``stopped`` with ``seq`` 1; each vector also carries
  ``message``, the hex of the 60 bytes its signature covers) and two condition leaves (one with
  a link, a non-ASCII note, a quote and a newline; one with neither). ``leaf`` is the canonical
  JSON bytes in hex, ``leaf_hash`` the RFC 9162 leaf hash. ``opening`` is the entry's opening (its
  JSON object): its commitment is the entry's ``lab_commitment`` and its nullifier the entry's.
  The withdrawal's and the statements' signatures verify under the entry's ``withdrawal_key``;
  ``share-destroyed``'s under ``trustee_key`` over ``H("destroy-confirmation", ctx,
  sc(trustee))``; ``round-revealed``'s ``digest`` is SHA-256 of the canonical JSON of
  ``revealed_list`` (each item ``{"leaf_index", "opening", "partials"}``). The opening's
  ``token_signature`` is fixed bytes, not an RSA signature: neither the leaf encoding nor the
  commitment checks meaning.

- ``openings.json`` (docs/protocol.md §7)::

      {"tag": "lab-commitment", "key": hex, "cases": [{"name", "opening": {"nonce",
       "prepared_message", "slug", "token_signature"}, "hash_input", "commitment",
       "nullifier"}]}

  ``commitment`` is ``H("lab-commitment", utf8(slug), prepared_message, token_signature,
  nonce; n=32)``: keyed BLAKE2b-256 with ``key`` (the ASCII of ``pledge/v2/lab-commitment``)
  over ``hash_input``, the four parts each preceded by its length as u64le. ``nullifier`` is
  SHA-256(``pledge-nullifier/v2`` || prepared message). Token signatures are fixed bytes.

- ``heads.json`` (docs/protocol.md §7, §9)::

      {"log_seed", "log_key", "witnesses": [{"seed", "key"}],
       "heads": [{"log_id", "size", "timestamp", "root", "message", "signature",
                  "cosign_message", "cosignatures": {"<witness key>": "<signature>"}}]}

  ``log_id`` is the text of a manifest ``id`` (its ASCII bytes are what the messages carry);
  ``message`` is :func:`crypto.merkle.tree_head_message`, ``signature`` the log key's Ed25519
  signature over it; ``cosign_message`` is :func:`crypto.merkle.cosign_message` and each
  witness signs it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import nacl.signing

from crypto import blindrsa, log_leaves, merkle
from crypto.formats import messages
from crypto.hashing import H, u64le
from crypto.opening import COMMITMENT_TAG, Opening

ASTRAL = "\U0001f600"  # 😀, UTF-16 D83D DE00: sorts before U+E000..U+FFFF by UTF-16 unit


def _seed(family: str, case: int, purpose: str, size: int = 32) -> bytes:
    return H("vector-seed", family.encode(), u64le(case), purpose.encode(), n=size)


# --- canonical JSON ---------------------------------------------------------------------------

CANONICAL_VALID: list[tuple[str, Any]] = [
    ("escaped characters", "\"\\\b\t\n\f\r"),
    ("other control characters as lowercase \\u00XX", "\x00\x01\x07\x0b\x0e\x1b\x1f"),
    ("DEL and C1 controls raw", "\x7f\x80\x9f"),
    ("non-ASCII raw", "é€研 Zoë"),
    ("astral characters raw", ASTRAL + "\U00010000\U0010ffff"),
    ("line and paragraph separators raw", "a\u2028b\u2029c"),
    ("BOM, replacement character and noncharacter raw", "\ufeff\ufffd\uffff"),
    ("slash and angle brackets raw", "</script>/"),
    ("empty string", ""),
    ("keys in code point order", {"b": 1, "a": 2, "": 0, "aa": 3, "A": 4, "~": 5, "é": 6}),
    ("astral keys after BMP keys (UTF-16 order differs)",
     {ASTRAL: 1, "\uffff": 2, "\ue000": 3, "\uff61": 4, "z": 5, "\U00010000": 6}),
    ("escaped keys", {"\n": 1, '"': 2, "\\": 3, "\x00": 4, "\x7f": 5}),
    ("nested objects and lists",
     {"z": {"y": {"x": [1, {"b": [], "a": {}}]}}, "a": [[], [[]], {}], "m": [3, 2, 1]}),
    ("empty object", {}),
    ("empty list", []),
    ("zero", 0),
    ("largest integer", 2**63 - 1),
    ("integers around 2**53", [2**53 - 1, 2**53, 2**53 + 1]),
    ("true, false, null", [True, False, None]),
    ("a v2 leaf shape", {"v": 2, "kind": "event", "event": "round-frozen", "round": 1, "leaves": [0, 2, 5]}),
]

CANONICAL_REFUSED: list[tuple[str, Any]] = [
    ("2**63", 2**63),
    ("2**64", 2**64),
    ("-1", -1),
    ("-2**63", -(2**63)),
    ("negative integer inside an object", {"a": [0, -1]}),
    ("float", 1.5),
    ("negative float", -0.5),
    ("float inside a list", [0, 0.25]),
    ("lone high surrogate", "\ud800"),
    ("lone low surrogate", "a\udc00"),
    ("surrogates in the wrong order", "\udc00\ud800"),
    ("lone surrogate in a key", {"\udbff": 1}),
]


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(", ", ": "))


def _canonical(value: Any) -> bytes:
    """The canonical bytes, built here by rule (not by calling the library) as a second opinion."""
    if value is None or isinstance(value, bool):
        return {None: b"null", True: b"true", False: b"false"}[value]
    if isinstance(value, int):
        assert 0 <= value <= 2**63 - 1
        return str(value).encode()
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in SHORT_ESCAPES:
                out.append(SHORT_ESCAPES[ch])
            elif ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return ('"' + "".join(out) + '"').encode("utf-8")
    if isinstance(value, list):
        return b"[" + b",".join(_canonical(item) for item in value) + b"]"
    assert isinstance(value, dict)
    keys = sorted(value, key=lambda k: k.encode("utf-8"))
    return b"{" + b",".join(_canonical(k) + b":" + _canonical(value[k]) for k in keys) + b"}"


SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def canonical_json_vectors() -> dict[str, Any]:
    """Values and their canonical bytes; values canonical JSON must refuse."""
    return {
        "valid": [{"name": name, "input": _text(value), "output": _canonical(value).hex()}
                  for name, value in CANONICAL_VALID],
        "refused": [{"name": name, "input": _text(value)} for name, value in CANONICAL_REFUSED],
    }


# --- log leaves -------------------------------------------------------------------------------

CAMPAIGN_ID = _seed("events", 0, "campaign", 16).hex()


def _signing_key(purpose: str) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(_seed("events", 0, purpose))


def _opening(case: int, slug: str, *, nonce_case: int | None = None) -> Opening:
    """A token's opening for ``slug`` in the vectors' campaign: the prepared message is a real
    Pledge token message with a fixed 32-byte prefix; the signature is fixed bytes."""
    prepared = _seed("openings", case, "prefix") + blindrsa.token_message(
        CAMPAIGN_ID.encode("ascii"), slug, _seed("openings", case, "token-nonce"))
    return Opening(slug, prepared, _seed("openings", case, "token-signature", 64) * 4,
                   _seed("openings", case if nonce_case is None else nonce_case, "nonce"))


def _entry(opening: Opening) -> log_leaves.EntryLeaf:
    return log_leaves.EntryLeaf(
        lab_commitment=opening.commitment,
        nullifier=blindrsa.nullifier(opening.prepared_message),
        ciphertext_sha256=hashlib.sha256(_seed("events", 0, "ciphertext", 64)).digest(),
        withdrawal_key=bytes(_signing_key("withdrawal").verify_key),
    )


def _opening_json(opening: Opening) -> dict[str, str]:
    return {key: value.hex() if isinstance(value, bytes) else value for key, value in opening.doc().items()}


def revealed_list() -> list[dict[str, Any]]:
    """A round's revealed entries as ``round-revealed`` digests them (docs/protocol.md §8)."""
    return [
        {"leaf_index": index, "opening": _opening_json(_opening(0 if index == 0 else 1, slug)),
         "partials": {str(j): _seed("events", index, f"partial/{j}", 64).hex()
                      + _seed("events", index, f"partial/{j}/z").hex() for j in (1, 3)}}
        for index, slug in ((0, "example-lab"), (2, "other-lab"))
    ]


# The lab-commitment cases: (name, case, slug, nonce case).
OPENING_CASES: list[tuple[str, int, str, int | None]] = [
    ("the entry of events.json", 0, "example-lab", None),
    ("another token and lab", 1, "other-lab", None),
    ("the first token with another nonce", 0, "example-lab", 2),
    ("a non-ASCII slug", 3, "laboratoire-é", None),
    ("a slug of 255 UTF-8 bytes", 4, "l" * 253 + "é", None),
]


def _hash_input(opening: Opening) -> bytes:
    """The bytes BLAKE2b reads: each part preceded by its length (u64le), built here by rule."""
    parts = (opening.slug.encode("utf-8"), opening.prepared_message, opening.token_signature, opening.nonce)
    return b"".join(u64le(len(part)) + part for part in parts)


def opening_vectors() -> dict[str, Any]:
    """Openings with the exact bytes hashed, their lab commitment and their nullifier."""
    cases = []
    for name, case, slug, nonce_case in OPENING_CASES:
        opening = _opening(case, slug, nonce_case=nonce_case)
        data = _hash_input(opening)
        commitment = hashlib.blake2b(data, digest_size=32, key=b"pledge/v2/" + COMMITMENT_TAG.encode()).digest()
        assert commitment == opening.commitment
        cases.append({"name": name, "opening": _opening_json(opening), "hash_input": data.hex(),
                      "commitment": commitment.hex(), "nullifier": opening.nullifier.hex()})
    return {"tag": COMMITMENT_TAG, "key": (b"pledge/v2/" + COMMITMENT_TAG.encode()).hex(), "cases": cases}


def _leaf_vector(name: str, leaf: log_leaves.Leaf) -> dict[str, Any]:
    data = log_leaves.encode_leaf(leaf)
    kind = json.loads(data)["kind"]
    vector: dict[str, Any] = {"name": name, "kind": kind}
    if isinstance(leaf, log_leaves.EventLeaf):
        vector["event"] = leaf.event
    if isinstance(leaf, log_leaves.StatementLeaf):
        vector["message"] = log_leaves.statement_message(leaf.nullifier, leaf.seq, leaf.stance).hex()
    vector.update({"leaf": data.hex(), "leaf_hash": merkle.leaf_hash(data).hex()})
    return vector


def event_vectors() -> dict[str, Any]:
    """An entry, its withdrawal, two statements, two condition leaves and one leaf per event
    kind, with their bytes and leaf hashes."""
    ctx = _seed("events", 0, "ctx")
    opening = _opening(0, "example-lab")
    entry = _entry(opening)
    withdrawal_sig = _signing_key("withdrawal").sign(log_leaves.withdrawal_message(entry.nullifier)).signature
    trustee = _signing_key("trustee-3")
    destroy_sig = trustee.sign(messages.destroy_message(ctx, 3)).signature
    digest = hashlib.sha256(_canonical(revealed_list())).digest()
    seed = _seed("events", 0, "withdrawal")
    S, C = log_leaves.StatementLeaf, log_leaves.ConditionLeaf
    withholding = S(entry.nullifier, 0, "withholding",
                    log_leaves.sign_statement(seed, entry.nullifier, 0, "withholding"))
    stopped = S(entry.nullifier, 1, "stopped", log_leaves.sign_statement(seed, entry.nullifier, 1, "stopped"))
    E = log_leaves.EventLeaf
    leaves: list[tuple[str, log_leaves.Leaf]] = [
        ("entry", entry),
        ("withdrawal of that entry", log_leaves.WithdrawalLeaf(nullifier=entry.nullifier, signature=withdrawal_sig)),
        ("round 1 frozen", E("round-frozen", round=1, leaves=(0, 2, 5))),
        ("round 2 frozen (the deadline event)", E("round-frozen", round=2, leaves=(7, 9))),
        ("round 1 revealed", E("round-revealed", round=1, digest=digest)),
        ("round 2 abandoned", E("round-abandoned", round=2)),
        ("signing ended", E("signing-ended")),
        ("expired", E("expired")),
        ("closed", E("closed")),
        ("trustee 3 destroyed its share", E("share-destroyed", trustee=3, signature=destroy_sig)),
        ("taken down", E("taken-down")),
        ("statement: withholding (seq 0)", withholding),
        ("statement: stopped (seq 1)", stopped),
        ("condition 2 partly met at example-lab", C(
            condition=2, lab="example-lab", status="partly", date="2031-07-01",
            evidence="https://example-lab.example/safety-case",
            note="Published in part; the audit is \u201cpending\u201d.\nSee \"Annex B\", page 4.")),
        ("condition 1 not met at other-lab, no evidence or note", C(
            condition=1, lab="other-lab", status="not-met", date="2031-06-30", evidence="", note="")),
    ]
    return {
        "ctx": ctx.hex(),
        "trustee": 3,
        "trustee_key": bytes(trustee.verify_key).hex(),
        "withdrawal_key": entry.withdrawal_key.hex(),
        "opening": _opening_json(opening),
        "revealed_list": revealed_list(),
        "leaves": [_leaf_vector(name, leaf) for name, leaf in leaves],
    }


# --- tree heads and cosignatures --------------------------------------------------------------

HEAD_CASES: list[tuple[int, int]] = [(0, 1767225600), (1, 1767229200), (13, 1767232800), (1000, 2**32 + 7)]


def _root(size: int) -> bytes:
    leaves = [_seed("heads", i, "leaf", 1 + i % 40) for i in range(size)]
    return merkle.MerkleTree.from_leaves(leaves).root()


def head_vectors() -> dict[str, Any]:
    """Signed tree heads and witness cosignatures under fixed Ed25519 seeds."""
    log_seed = _seed("heads", 0, "log-key")
    witness_seeds = [_seed("heads", i, "witness-key") for i in (1, 2)]
    witness_keys = [bytes(nacl.signing.SigningKey(s).verify_key) for s in witness_seeds]
    log_id = _seed("heads", 0, "log-id", 16).hex()
    heads = []
    for size, timestamp in HEAD_CASES:
        root = _root(size)
        lid = log_id.encode("ascii")
        heads.append({
            "log_id": log_id, "size": size, "timestamp": timestamp, "root": root.hex(),
            "message": merkle.tree_head_message(lid, size, timestamp, root).hex(),
            "signature": merkle.sign_tree_head(log_seed, lid, size, timestamp, root).hex(),
            "cosign_message": merkle.cosign_message(lid, size, timestamp, root).hex(),
            "cosignatures": {key.hex(): merkle.sign_cosignature(seed, lid, size, timestamp, root).hex()
                             for seed, key in sorted(zip(witness_seeds, witness_keys, strict=True),
                                                     key=lambda pair: pair[1])},
        })
    return {
        "log_seed": log_seed.hex(),
        "log_key": bytes(nacl.signing.SigningKey(log_seed).verify_key).hex(),
        "witnesses": [{"seed": s.hex(), "key": k.hex()} for s, k in zip(witness_seeds, witness_keys, strict=True)],
        "heads": heads,
    }
