"""The campaign record (docs/protocol.md §11): one canonical JSON document holding everything
needed to check a campaign from outside. ``docs/record.md`` is its field reference.

- :func:`build_record` assembles it from plain data; the web app's exporter
  (``pledge/services/record.py``) gathers that data from its database and calls it, and
  :func:`encode_record` gives the bytes to serve.
- :func:`parse_record` reads a record strictly (shapes and sizes only) into a :class:`Record`;
  :mod:`pledge_tools.verify` (``pledge-verify``) checks what it means (docs/protocol.md §12).
- :func:`round_digest` is the digest a ``round-revealed`` event carries (docs/protocol.md §8).

Top level: exactly ``{"v", "kind": "campaign-record", "exported_at", "manifest", "ctx", "dkg",
"log", "counts", "rounds", "outcome"}``. Collections indexed by trustee are objects keyed by the
decimal index (``"1"``..``"n"``), as in a deal's ``encrypted_shares``; cosignatures are keyed by
the witness's Ed25519 key in lowercase hex.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import dkg, lifecycle, reveal, seal
from ..errors import CryptoError
from ..hashing import canonical_json
from ..merkle import HASH_LEN
from ..opening import Opening, parse_opening
from .errors import FormatError
from .files import CTX_BYTES, KEY_BYTES, SIGNATURE_BYTES, Manifest, parse_manifest
from .jsonfile import VERSION, Obj, expect, unhex
from .roundfile import MAX_LEAF_BYTES, MAX_LOG_ID_BYTES

KIND = "campaign-record"
STATES = ("open", "revealed", "closed", "expired", "taken-down")
PENDING, REVEALED, ABANDONED = "pending", "revealed", "abandoned"
ROUND_STATUSES = (PENDING, REVEALED, ABANDONED)
DIGITS = frozenset("0123456789")
TOP_LEVEL = ("exported_at", "manifest", "ctx", "dkg", "log", "counts", "rounds", "outcome")

HeadInput = tuple[int, int, int, bytes, bytes, Mapping[bytes, bytes]]
"""A signed tree head as :func:`build_record` takes it: ``(batch, size, timestamp, root,
signature, cosignatures)``, ``cosignatures`` mapping a witness's Ed25519 key (32 bytes) to its
64-byte cosignature."""


@dataclass(frozen=True)
class PublicDeal:
    """The signed, public part of a deal: what anyone can check (the encrypted shares only by
    their digest)."""

    dealer: int
    commitments: tuple[bytes, ...]
    pop_r: bytes
    pop_z: bytes
    shares_digest: bytes
    signature: bytes


@dataclass(frozen=True)
class SignedHead:
    """A signed tree head, the (unsigned) number of the batch that produced it, and the
    witnesses' cosignatures over it (witness key -> signature)."""

    batch: int
    size: int
    timestamp: int
    root: bytes
    signature: bytes
    cosignatures: dict[bytes, bytes]


@dataclass(frozen=True)
class RevealedEntry:
    """One entry of a revealed round: its ciphertext, its opening (the lab it commits to, with
    the token that proves it), the partials posted for it (by trustee index) and the payload the
    server published (``None``: the signer's box does not open)."""

    leaf_index: int
    ciphertext: bytes
    opening: Opening
    partials: dict[int, bytes]
    payload: bytes | None


@dataclass(frozen=True)
class Round:
    """A reveal round as the record states it: its status and, once revealed, its entries."""

    number: int
    status: str
    entries: list[RevealedEntry]


@dataclass(frozen=True)
class Outcome:
    """Where the campaign ended up, as the record states it."""

    state: str
    threshold_met: bool


@dataclass(frozen=True)
class Record:
    """A parsed campaign record (nothing checked yet but its format)."""

    exported_at: int
    manifest: Manifest
    ctx: bytes
    deals: list[PublicDeal]
    transcript_signatures: dict[int, tuple[bytes, bytes]]
    Y: bytes
    verification_keys: dict[int, bytes]
    log_id: bytes
    leaves: list[bytes]
    heads: list[SignedHead]
    counts_head_size: int
    labs_reached: list[str]
    rounds: list[Round]
    outcome: Outcome


# --- the round-revealed digest ----------------------------------------------------------------


def round_digest(entries: Mapping[int, tuple[Opening, Mapping[int, bytes]]]) -> bytes:
    """The digest a ``round-revealed`` event carries (docs/protocol.md §8): SHA-256 of
    ``canonical_json([{"leaf_index": i, "opening": {...}, "partials": {"j": hex}}, ...])`` over
    the round's revealed entries in leaf order. ``entries`` maps each revealed entry's leaf
    index to its opening and the verified partials stored for it, by trustee index
    (:func:`crypto.lifecycle.round_digest` is the same digest over triples)."""
    return lifecycle.round_digest((i, opening, partials) for i, (opening, partials) in entries.items())


# --- building -------------------------------------------------------------------------------


def _public_deal(deal: dkg.Deal | Mapping[str, Any]) -> dict[str, Any]:
    """A deal with its encrypted shares replaced by their digest (docs/record.md says why)."""
    parsed = deal if isinstance(deal, dkg.Deal) else dkg.deal_from_dict(deal)
    return {"dealer": parsed.dealer, "commitments": list(parsed.commitments),
            "pop_r": parsed.pop_r, "pop_z": parsed.pop_z,
            "shares_digest": dkg.shares_digest(parsed.encrypted_shares),
            "signature": parsed.signature}


def _by_index(items: Mapping[int, Any]) -> dict[str, Any]:
    return {str(j): value for j, value in sorted(items.items())}


def round_partials(rnd: Mapping[str, Any]) -> dict[int, dict[int, bytes]]:
    """A revealed round input's partials regrouped by entry: ``{leaf_index: {j: partial}}`` for
    every entry with a ciphertext (what :func:`round_digest` takes)."""
    ciphertexts: Mapping[int, bytes] = rnd.get("ciphertexts", {})
    by_leaf: dict[int, dict[int, bytes]] = {i: {} for i in ciphertexts}
    for j, posted in rnd.get("partials", {}).items():
        for leaf_index, partial in posted:
            if leaf_index not in by_leaf:
                raise ValueError(f"round {rnd['number']}: a partial for leaf {leaf_index}, which "
                                 "has no ciphertext in the round")
            by_leaf[leaf_index][j] = partial
    return by_leaf


def _round_entries(rnd: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A revealed round's entries in leaf order, each with its opening and partials."""
    ciphertexts: Mapping[int, bytes] = rnd.get("ciphertexts", {})
    payloads: Mapping[int, bytes | None] = rnd.get("revealed", {})
    openings: Mapping[int, Opening] = rnd.get("openings", {})
    for name, given in (("a payload", payloads), ("an opening", openings)):
        stray = sorted(set(given) - set(ciphertexts))
        if stray:
            raise ValueError(f"round {rnd['number']}: {name} for leaf {stray[0]}, which has no "
                             "ciphertext")
    by_leaf = round_partials(rnd)
    entries = []
    for i in sorted(ciphertexts):
        if i not in payloads:
            raise ValueError(f"round {rnd['number']}: leaf {i} has a ciphertext but no payload")
        if i not in openings:
            raise ValueError(f"round {rnd['number']}: leaf {i} has a ciphertext but no opening")
        entries.append({"leaf_index": i, "ciphertext": ciphertexts[i], "opening": openings[i].doc(),
                        "partials": _by_index(by_leaf[i]), "payload": payloads[i]})
    return entries


def _round(rnd: Mapping[str, Any]) -> dict[str, Any]:
    status = rnd["status"]
    if status not in ROUND_STATUSES:
        raise ValueError(f"round {rnd['number']}: status must be one of {', '.join(ROUND_STATUSES)}")
    if status != REVEALED and any(rnd.get(key) for key in ("ciphertexts", "partials", "revealed", "openings")):
        raise ValueError(f"round {rnd['number']} is {status}: it publishes nothing")
    return {"number": rnd["number"], "status": status,
            "entries": _round_entries(rnd) if status == REVEALED else []}


def build_record(
    *,
    exported_at: int,
    manifest: Mapping[str, Any],
    ctx: bytes,
    deals: Sequence[dkg.Deal | Mapping[str, Any]],
    transcript_signatures: Mapping[int, tuple[bytes, bytes]],
    group_key: bytes,
    verification_keys: Mapping[int, bytes],
    log_id: bytes,
    leaves: Sequence[bytes],
    heads: Sequence[HeadInput],
    labs_reached: Sequence[str],
    counts_head_size: int,
    rounds: Sequence[Mapping[str, Any]],
    outcome: Mapping[str, Any],
) -> dict[str, Any]:
    """The campaign record as JSON-ready data (bytes stay ``bytes``; :func:`encode_record`).

    Everything is taken as stored; nothing is checked here (``pledge-verify`` does that), so a
    faithful export of a bad campaign fails verification instead of failing to export.

    - ``exported_at``: when the record was built, Unix seconds (the verifier judges freshness
      from it).
    - ``manifest``: the frozen manifest exactly as hashed into ``ctx`` (bytes or hex values);
      ``ctx``: 32 bytes. The log's public key is the manifest's ``log_key``.
    - ``deals``: every posted deal, :class:`crypto.dkg.Deal` or :func:`crypto.dkg.deal_to_dict`
      form, any order; only the signed public part goes into the record.
    - ``transcript_signatures``: ``{j: (transcript, signature)}`` as each trustee posted them.
    - ``group_key`` ``Y`` and ``verification_keys`` ``{j: Y_j}``: as the site shows them.
    - ``log_id``: the bytes signed in tree heads (the ASCII of the campaign id).
    - ``leaves``: every published leaf's bytes in log order, event leaves included.
    - ``heads``: every signed head in batch order as ``(batch, size, timestamp, root,
      signature, cosignatures)``, ``cosignatures`` ``{witness key: signature}`` (may be empty).
    - ``labs_reached``: the slugs of the labs whose live entries reached the rule's
      ``min_per_lab`` (any order; the record lists them sorted), and ``counts_head_size``: the
      size of the head they are stated for (the latest head; once round 1 froze, the head of
      the batch that froze it). No per-lab number goes into the record.
    - ``rounds``: every frozen round in order, each a mapping ``{"number": int, "status":
      "pending" | "revealed" | "abandoned"}``; a revealed round also carries ``"ciphertexts":
      {leaf_index: bytes}`` (every entry its ``round-frozen`` event lists), ``"openings":
      {leaf_index: Opening}`` (each of those entries' opening), ``"partials": {j:
      [(leaf_index, partial), ...]}`` (every verified partial trustee j posted, the ones the
      ``round-revealed`` digest covers) and ``"revealed": {leaf_index: payload}`` (the unpadded
      payload bytes the site publishes, or ``None`` for an entry whose box does not open).
    - ``outcome``: ``{"state": "open" | "revealed" | "closed" | "expired" | "taken-down",
      "threshold_met": bool}``.

    Raises ``ValueError`` only for input that has no place in the format (a payload, opening or
    partial without a ciphertext, a revealed ciphertext without a payload or an opening, a
    pending or abandoned round with content, an unknown status).
    """
    return {
        "v": VERSION, "kind": KIND, "exported_at": exported_at, "manifest": dict(manifest),
        "ctx": ctx,
        "dkg": {
            "deals": sorted((_public_deal(d) for d in deals), key=lambda d: d["dealer"]),
            "transcript_signatures": _by_index({
                j: {"transcript": transcript, "signature": signature}
                for j, (transcript, signature) in transcript_signatures.items()}),
            "Y": group_key,
            "verification_keys": _by_index(verification_keys),
        },
        "log": {
            "id": log_id, "leaves": list(leaves),
            "heads": [{"batch": b, "size": s, "timestamp": ts, "root": r, "signature": sig,
                       "cosignatures": {bytes(key).hex(): value for key, value in sorted(cosigs.items())}}
                      for b, s, ts, r, sig, cosigs in heads],
        },
        "counts": {"head_size": counts_head_size, "labs_reached": sorted(set(labs_reached))},
        "rounds": [_round(rnd) for rnd in rounds],
        "outcome": {"state": outcome["state"], "threshold_met": outcome["threshold_met"]},
    }


def encode_record(record: Mapping[str, Any]) -> bytes:
    """The record's canonical JSON and a newline: the bytes to serve or write."""
    return canonical_json(record) + b"\n"


# --- parsing --------------------------------------------------------------------------------


def _indexed(obj: Obj, n: int) -> dict[int, Any]:
    """An object keyed by trustee indices ``"1"``..``"n"`` (plain decimal) → ``{int: value}``."""
    out = {}
    for key, value in obj.data.items():
        if not set(key) <= DIGITS or key != str(int(key or "0")) or not 1 <= int(key) <= n:
            raise FormatError(f"{obj.where}: key {key[:10]!r} is not a trustee index 1..{n}")
        out[int(key)] = value
    return dict(sorted(out.items()))


def _hex_values(obj: Obj, n: int, size: int) -> dict[int, bytes]:
    return {j: obj.raw(str(j), size=size) for j in _indexed(obj, n)}


def _parse_dkg(doc: Obj, manifest: Manifest) -> tuple[list[PublicDeal], dict[int, tuple[
        bytes, bytes]], bytes, dict[int, bytes]]:
    doc.exact_keys({"deals", "transcript_signatures", "Y", "verification_keys"})
    deals = []
    for item in doc.objects("deals"):
        item.exact_keys({"dealer", "commitments", "pop_r", "pop_z", "shares_digest", "signature"})
        commitments = tuple(unhex(c, f"{item.where}: field commitments[{k}]", size=32)
                            for k, c in enumerate(item.array("commitments")))
        deals.append(PublicDeal(item.integer("dealer", low=1, high=manifest.n), commitments,
                                item.raw("pop_r", size=32), item.raw("pop_z", size=32),
                                item.raw("shares_digest", size=dkg.SHARES_DIGEST_BYTES),
                                item.raw("signature", size=SIGNATURE_BYTES)))
    signatures_obj = doc.child("transcript_signatures")
    signatures = {}
    for j in _indexed(signatures_obj, manifest.n):
        item = signatures_obj.child(str(j)).exact_keys({"transcript", "signature"})
        signatures[j] = (item.raw("transcript", size=dkg.TRANSCRIPT_DIGEST_BYTES),
                         item.raw("signature", size=SIGNATURE_BYTES))
    keys = _hex_values(doc.child("verification_keys"), manifest.n, 32)
    return deals, signatures, doc.raw("Y", size=32), keys


def _parse_cosignatures(obj: Obj) -> dict[bytes, bytes]:
    out = {}
    for key in obj.data:
        witness = unhex(key, f"{obj.where}: key {key[:80]!r}", size=KEY_BYTES)
        out[witness] = obj.raw(key, size=SIGNATURE_BYTES)
    return out


def _parse_heads(log: Obj) -> list[SignedHead]:
    heads = []
    for item in log.objects("heads"):
        item.exact_keys({"batch", "size", "timestamp", "root", "signature", "cosignatures"})
        heads.append(SignedHead(item.integer("batch"), item.integer("size"),
                                item.integer("timestamp"), item.raw("root", size=HASH_LEN),
                                item.raw("signature", size=SIGNATURE_BYTES),
                                _parse_cosignatures(item.child("cosignatures"))))
    return heads


def _parse_opening(item: Obj) -> Opening:
    try:
        return parse_opening(item.data.get("opening"))
    except CryptoError as exc:
        raise FormatError(f"{item.where}: field opening: {exc}") from None


def _parse_entry(item: Obj, n: int) -> RevealedEntry:
    item.exact_keys({"leaf_index", "ciphertext", "opening", "partials", "payload"})
    return RevealedEntry(
        leaf_index=item.integer("leaf_index"),
        ciphertext=item.raw("ciphertext", size=seal.CIPHERTEXT_BYTES),
        opening=_parse_opening(item),
        partials=_hex_values(item.child("partials"), n, reveal.PARTIAL_BYTES),
        payload=(item.raw("payload", max_size=seal.MAX_PAYLOAD_BYTES)
                 if item.has("payload") else None),
    )


def _parse_round(item: Obj, n: int, consume: bool) -> Round:
    item.exact_keys({"number", "status", "entries"})
    status = item.text("status", max_len=10)
    if status not in ROUND_STATUSES:
        raise FormatError(f"{item.where}: field status must be one of {', '.join(ROUND_STATUSES)}")
    array = item.array("entries")
    entries = []
    for position, entry in enumerate(item.objects("entries")):
        entries.append(_parse_entry(entry, n))
        if consume:
            array[position] = entry.data = None  # type: ignore[assignment]  # dropped once read, to free memory
    if status != REVEALED and entries:
        raise FormatError(f"{item.where}: a {status} round lists no entries")
    return Round(item.integer("number", low=1), status, entries)


def _parse_leaves(log: Obj, consume: bool) -> list[bytes]:
    array = log.array("leaves")
    leaves = []
    for i, leaf in enumerate(array):
        leaves.append(unhex(leaf, f"{log.where}: field leaves[{i}]", max_size=MAX_LEAF_BYTES))
        if consume:
            array[i] = None
    return leaves


def _parse_counts(doc: Obj) -> tuple[int, list[str]]:
    """``{"head_size": int, "labs_reached": [slug, ...]}``: slugs of 1..255 characters, sorted,
    each once (whether they are the manifest's labs is a check of meaning)."""
    doc.exact_keys({"head_size", "labs_reached"})
    reached: list[str] = []
    for position, slug in enumerate(doc.array("labs_reached")):
        where = f"{doc.where}: field labs_reached[{position}]"
        if not isinstance(slug, str) or not 1 <= len(slug) <= 255:
            raise FormatError(f"{where} must be a lab slug")
        try:
            slug.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError(f"{where} holds a lone surrogate, which is not text") from None
        if reached and slug <= reached[-1]:
            raise FormatError(f"{where}: labs_reached must be sorted, each lab once")
        reached.append(slug)
    return doc.integer("head_size"), reached


def _parse_outcome(doc: Obj) -> Outcome:
    doc.exact_keys({"state", "threshold_met"})
    state = doc.text("state", max_len=10)
    if state not in STATES:
        raise FormatError(f"{doc.where}: field state must be one of {', '.join(STATES)}")
    met = doc.data["threshold_met"]
    if type(met) is not bool:
        raise FormatError(f"{doc.where}: field threshold_met must be true or false")
    return Outcome(state, met)


def parse_record(obj: object, where: str = "the record", *, consume: bool = False) -> Record:
    """Read a record strictly: exact fields everywhere, lowercase hex of the right sizes,
    integers in range, the manifest read by the strict
    :func:`crypto.formats.files.parse_manifest`.

    ``obj`` is the parsed JSON (:func:`crypto.formats.jsonfile.parse_json`). Raises
    :class:`~crypto.formats.errors.FormatError` naming the field; checks no meaning.
    ``consume``: empty ``obj``'s lists of leaves and entries while reading them (a record of
    100,000 entries holds about half a gigabyte of hex).
    """
    doc = obj if isinstance(obj, Obj) else Obj(obj, where)
    expect(doc, KIND, TOP_LEVEL)
    manifest = parse_manifest(doc.child("manifest"))
    deals, signatures, Y, keys = _parse_dkg(doc.child("dkg"), manifest)
    log = doc.child("log").exact_keys({"id", "leaves", "heads"})
    leaves = _parse_leaves(log, consume)
    head_size, reached = _parse_counts(doc.child("counts"))
    return Record(
        exported_at=doc.integer("exported_at"),
        manifest=manifest, ctx=doc.raw("ctx", size=CTX_BYTES), deals=deals,
        transcript_signatures=signatures, Y=Y, verification_keys=keys,
        log_id=log.raw("id", max_size=MAX_LOG_ID_BYTES), leaves=leaves,
        heads=_parse_heads(log), counts_head_size=head_size, labs_reached=reached,
        rounds=[_parse_round(item, manifest.n, consume) for item in doc.objects("rounds")],
        outcome=_parse_outcome(doc.child("outcome")),
    )
