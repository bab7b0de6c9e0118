"""An independent reference implementation of Pledge wire format v2, written from
docs/protocol.md alone (see README.md in this directory for the rule it was written under).

Only the standard library and nacl.signing (Ed25519 verification, as §1.6 requires libsodium's
behaviour) are used. Everything else -- BLAKE2b tags, canonical JSON, Merkle hashing, leaves,
tree heads, edwards25519 arithmetic, XSalsa20-Poly1305, RSA blind signatures -- is written here
from the document and the RFCs it cites. Nothing is imported from the project.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import struct

import nacl.exceptions
import nacl.signing

WIRE_VERSION = 2
PREFIX = b"pledge/v2/"


class Refused(ValueError):
    """Raised wherever the document says MUST refuse."""


# ---------------------------------------------------------------------------------------------
# §1.2, §1.3 integers and hashing
# ---------------------------------------------------------------------------------------------

L = 2**252 + 27742317777372353535851937790883648493


def u64le(x: int) -> bytes:
    if not 0 <= x < 2**64:
        raise Refused("u64le out of range")
    return struct.pack("<Q", x)


def sc(i: int) -> bytes:
    """A small non-negative integer as a 32-byte little-endian scalar (§1.2)."""
    if not 0 <= i < L:
        raise Refused("scalar out of range")
    return i.to_bytes(32, "little")


def H(tag: str, *parts: bytes, n: int = 64) -> bytes:
    if not 1 <= n <= 64:
        raise Refused("digest size")
    key = PREFIX + tag.encode("ascii")
    if len(key) > 64:
        raise Refused("tag too long")
    h = hashlib.blake2b(digest_size=n, key=key)
    for p in parts:
        h.update(u64le(len(p)))
        h.update(p)
    return h.digest()


def Hs(tag: str, *parts: bytes) -> bytes:
    return (int.from_bytes(H(tag, *parts, n=64), "little") % L).to_bytes(32, "little")


def fingerprint(v: bytes) -> str:
    h = H("fingerprint", v, n=10).hex()
    return "-".join(h[i : i + 4] for i in range(0, 20, 4))


# ---------------------------------------------------------------------------------------------
# §2 canonical JSON and the strict reader
# ---------------------------------------------------------------------------------------------

MAX_INT = 2**63 - 1
_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _enc_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            raise Refused("lone surrogate")
        if ch in _ESC:
            out.append(_ESC[ch])
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _key_order(k: str) -> bytes:
    # code point order == UTF-8 byte order (surrogates are refused before this matters)
    return k.encode("utf-8", "surrogatepass")


def _enc(v) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        if not 0 <= v <= MAX_INT:
            raise Refused("integer outside 0..2^63-1")
        return str(v)
    if isinstance(v, str):
        return _enc_str(v)
    if isinstance(v, (bytes, bytearray)):
        return '"' + bytes(v).hex() + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_enc(x) for x in v) + "]"
    if isinstance(v, dict):
        for k in v:
            if not isinstance(k, str):
                raise Refused("non-string key")
        keys = [(k, _enc_str(k)) for k in v]  # refuses lone surrogates in keys
        keys.sort(key=lambda kv: _key_order(kv[0]))
        return "{" + ",".join(ek + ":" + _enc(v[k]) for k, ek in keys) + "}"
    raise Refused(f"not a canonical JSON value: {type(v)!r}")


def canonical_json(v) -> bytes:
    return _enc(v).encode("utf-8")


def _pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise Refused("duplicate key")
        d[k] = v
    return d


def _int(s: str) -> int:
    if s.startswith("-"):
        raise Refused("minus sign")
    i = int(s)
    if i > MAX_INT:
        raise Refused("integer above 2^63-1")
    return i


def _no_float(s):
    raise Refused("fraction or exponent")


def _no_const(s):
    raise Refused("NaN/Infinity")


def _check_strings(v):
    if isinstance(v, str):
        _enc_str(v)
    elif isinstance(v, list):
        for x in v:
            _check_strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            _enc_str(k)
            _check_strings(x)


def strict_loads(data) -> object:
    """§2.4 strict reader (syntax level: fields are checked by the callers)."""
    if isinstance(data, (bytes, bytearray)):
        if bytes(data).startswith(b"\xef\xbb\xbf"):
            raise Refused("BOM")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise Refused("not UTF-8") from e
    else:
        text = data
        if text.startswith("\ufeff"):
            raise Refused("BOM")
    try:
        v = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_int,
            parse_float=_no_float,
            parse_constant=_no_const,
        )
    except json.JSONDecodeError as e:
        raise Refused(f"not JSON: {e}") from e
    _check_strings(v)
    return v


_HEXCHARS = set("0123456789abcdef")


def unhex(s, size: int | None = None, lo: int | None = None, hi: int | None = None) -> bytes:
    if not isinstance(s, str) or len(s) % 2 or not set(s) <= _HEXCHARS:
        raise Refused("bad hex")
    b = bytes.fromhex(s)
    if size is not None and len(b) != size:
        raise Refused("hex of wrong size")
    if lo is not None and len(b) < lo:
        raise Refused("hex too short")
    if hi is not None and len(b) > hi:
        raise Refused("hex too long")
    return b


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


# ---------------------------------------------------------------------------------------------
# §3 manifest ctx
# ---------------------------------------------------------------------------------------------


def manifest_ctx(manifest: dict) -> bytes:
    return H("manifest", canonical_json(manifest), n=32)


def _text(x, lo, hi, what):
    if not isinstance(x, str) or not lo <= len(x) <= hi:  # lengths in code points (§3.1 notes)
        raise Refused(what)
    return x


def _keys(obj, keys, what):
    if not isinstance(obj, dict) or set(obj) != set(keys):
        raise Refused(what + ": keys")


def _int_in(x, lo, hi, what):
    if not _is_int(x) or not lo <= x <= hi:
        raise Refused(what)
    return x


def deadline_time(s: str) -> int:
    """§3.1: YYYY-MM-DDTHH:MM:SSZ, a valid UTC calendar date and time, seconds 00..59."""
    if not isinstance(s, str) or len(s) != 20:
        raise Refused("deadline")
    shape = "dddd-dd-ddTdd:dd:ddZ"
    for ch, f in zip(s, shape):
        if (f == "d" and ch not in "0123456789") or (f != "d" and ch != f):
            raise Refused("deadline")
    y, mo, d, h, mi, se = int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19])
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= mo <= 12 and 1 <= d <= mdays[mo - 1] and h <= 23 and mi <= 59 and se <= 59):
        raise Refused("deadline")
    # days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's days_from_civil)
    yy = y - (mo <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + h * 3600 + mi * 60 + se


def cosigning_quorum_ok(t: int, n: int, n_w: int, w: int) -> bool:
    """§3.2."""
    if not (1 <= w <= n_w and 2 * w > n_w):
        return False
    if 2 * t > n:
        return w <= t
    return w == n_w // 2 + 1


MANIFEST_KEYS = (
    "v",
    "id",
    "slug",
    "title",
    "pledge_text",
    "conditions",
    "labs",
    "rule",
    "deadline",
    "t",
    "n",
    "trustees",
    "k",
    "practice",
    "log_key",
    "witnesses",
    "w",
    "batch_interval",
    "reveal_window",
)


def check_manifest(m) -> None:
    """§3.1/§3.2 strict reading of a manifest (token keys: hex only, as §3.1 says)."""
    _keys(m, MANIFEST_KEYS, "manifest")
    if not _is_int(m["v"]) or m["v"] != WIRE_VERSION:
        raise Refused("v")
    if not isinstance(m["id"], str) or len(m["id"]) != 32:
        raise Refused("id")
    unhex(m["id"], 16)
    _text(m["slug"], 1, 1_000_000, "slug")
    _text(m["title"], 1, 1_000_000, "title")
    _text(m["pledge_text"], 1, 1_000_000, "pledge_text")
    if not isinstance(m["conditions"], list) or not all(isinstance(c, str) for c in m["conditions"]):
        raise Refused("conditions")
    labs = m["labs"]
    if not isinstance(labs, list) or not labs:
        raise Refused("labs")
    for lab in labs:
        _keys(lab, ("slug", "name", "domains", "token_public_key"), "lab")
        _text(lab["slug"], 1, 255, "lab slug")
        _text(lab["name"], 1, 10_000, "lab name")
        if not isinstance(lab["domains"], list) or not all(isinstance(d, str) and d for d in lab["domains"]):
            raise Refused("domains")
        unhex(lab["token_public_key"], lo=1, hi=4096)
    slugs = [_key_order(lab["slug"]) for lab in labs]
    if slugs != sorted(slugs) or len(set(slugs)) != len(slugs):
        raise Refused("labs not sorted by slug, or slugs repeated")
    _keys(m["rule"], ("min_total", "min_per_lab", "min_labs"), "rule")
    for k in ("min_total", "min_per_lab", "min_labs"):
        _int_in(m["rule"][k], 0, MAX_INT, k)
    deadline_time(m["deadline"])
    n = _int_in(m["n"], 1, 255, "n")
    t = _int_in(m["t"], 1, n, "t")
    trustees = m["trustees"]
    if not isinstance(trustees, list) or len(trustees) != n:
        raise Refused("trustees")
    for i, tr in enumerate(trustees, 1):
        _keys(tr, ("index", "name", "ed25519", "x25519"), "trustee")
        if not _is_int(tr["index"]) or tr["index"] != i:
            raise Refused("trustee index")
        _text(tr["name"], 1, 10_000, "trustee name")
        unhex(tr["ed25519"], 32)
        unhex(tr["x25519"], 32)
    practice = m["practice"]
    if not isinstance(practice, bool):
        raise Refused("practice")
    _int_in(m["k"], 1 if practice else 2, 100, "k")
    unhex(m["log_key"], 32)
    wit = m["witnesses"]
    if not isinstance(wit, list) or len(wit) > 32:
        raise Refused("witnesses")
    for x in wit:
        _keys(x, ("name", "ed25519"), "witness")
        _text(x["name"], 1, 10_000, "witness name")
        unhex(x["ed25519"], 32)
    keys = [tr["ed25519"] for tr in trustees] + [x["ed25519"] for x in wit]
    if len(set(keys)) != len(keys):
        raise Refused("witness keys not distinct")
    if not _is_int(m["w"]) or not cosigning_quorum_ok(t, n, len(keys), m["w"]):
        raise Refused("w")
    _int_in(m["batch_interval"], 1, 604_800, "batch_interval")
    _int_in(m["reveal_window"], 1, 31_622_400, "reveal_window")


# ---------------------------------------------------------------------------------------------
# §5 tokens and nullifier
# ---------------------------------------------------------------------------------------------


def nullifier(prepared: bytes) -> bytes:
    return hashlib.sha256(b"pledge-nullifier/v2" + prepared).digest()


def token_message(cid: bytes, lab: bytes, nonce: bytes) -> bytes:
    return b"pledge-token/v2" + u64le(len(cid)) + cid + u64le(len(lab)) + lab + nonce


def parse_token_message(m: bytes) -> tuple[bytes, str, bytes]:
    p = b"pledge-token/v2"
    if not m.startswith(p):
        raise Refused("token prefix")
    off = len(p)
    fields = []
    for _ in range(2):
        if len(m) < off + 8:
            raise Refused("short token message")
        (n,) = struct.unpack("<Q", m[off : off + 8])
        off += 8
        if not 1 <= n <= 255 or off + n > len(m):
            raise Refused("token length field")
        fields.append(m[off : off + n])
        off += n
    if len(m) - off != 32:
        raise Refused("token nonce length")
    try:
        lab = fields[1].decode("utf-8")
    except UnicodeDecodeError as e:
        raise Refused("lab not UTF-8") from e
    return fields[0], lab, m[off:]


# ---------------------------------------------------------------------------------------------
# §7 leaves, Merkle tree, tree heads; §8 events; §9 cosignatures; §10.6 digest
# ---------------------------------------------------------------------------------------------


def entry_leaf(lab_commitment_, nul, ciphertext_sha256, withdrawal_key):
    """§7.1: the 6-key entry leaf."""
    return canonical_json(
        {
            "kind": "entry",
            "v": WIRE_VERSION,
            "lab_commitment": lab_commitment_.hex(),
            "nullifier": nul.hex(),
            "ciphertext_sha256": ciphertext_sha256.hex(),
            "withdrawal_key": withdrawal_key.hex(),
        }
    )


def lab_commitment(slug: str, prepared: bytes, token_signature: bytes, nonce: bytes) -> bytes:
    """§7.6: H("lab-commitment", utf8(slug), prepared message, token signature, nonce; 32)."""
    return H("lab-commitment", slug.encode("utf-8"), prepared, token_signature, nonce, n=32)


def parse_opening(obj) -> tuple[str, bytes, bytes, bytes]:
    """§7.6: exactly four keys; returns (slug, prepared, token_signature, nonce)."""
    if not isinstance(obj, dict) or set(obj) != {"nonce", "prepared_message", "slug", "token_signature"}:
        raise Refused("opening keys")
    slug = obj["slug"]
    if not isinstance(slug, str):
        raise Refused("opening slug")
    try:
        if not 1 <= len(slug.encode("utf-8")) <= 255:
            raise Refused("opening slug")
    except UnicodeEncodeError as e:
        raise Refused("opening slug") from e
    return (slug, unhex(obj["prepared_message"], lo=33, hi=4096), unhex(obj["token_signature"], lo=1, hi=4096),
            unhex(obj["nonce"], 32))


def open_entry(opening, leaf_obj: dict, campaign_id: str, token_keys: dict | None = None) -> str:
    """§7.6's six checks, in order; returns the slug or raises Refused naming the check.
    ``token_keys``: slug -> (n, e) RSA public numbers; ``None`` skips checks 5 and 6."""
    slug, prepared, signature, nonce = parse_opening(opening)
    if lab_commitment(slug, prepared, signature, nonce).hex() != leaf_obj["lab_commitment"]:
        raise Refused("opening: commitment")
    if nullifier(prepared).hex() != leaf_obj["nullifier"]:
        raise Refused("opening: nullifier")
    cid, lab, _ = parse_token_message(prepared[32:])
    if cid != campaign_id.encode("ascii"):
        raise Refused("opening: campaign")
    if lab != slug:
        raise Refused("opening: lab")
    if token_keys is not None:
        if slug not in token_keys:
            raise Refused("opening: not a lab of the manifest")
        n, e = token_keys[slug]
        if not rsa_pss_verify(n, e, prepared, signature):
            raise Refused("opening: signature")
    return slug


def withdrawal_message(nul: bytes) -> bytes:
    return b"pledge/v2/withdraw" + nul


def withdrawal_leaf(nul: bytes, signature: bytes) -> bytes:
    return canonical_json({"kind": "withdrawal", "nullifier": nul.hex(), "signature": signature.hex(), "v": WIRE_VERSION})


EVENT_FIELDS = {
    "round-frozen": {"round", "leaves"},
    "round-revealed": {"round", "digest"},
    "round-abandoned": {"round"},
    "signing-ended": set(),
    "expired": set(),
    "closed": set(),
    "share-destroyed": {"trustee", "signature"},
    "taken-down": set(),
}

STANCE_BYTE = {"withholding": b"\x01", "stopped": b"\x00"}
CONDITION_STATUSES = ("met", "not-met", "partly")
MAX_LEAF = 9216  # §7.1, §11.3


def statement_message(nul: bytes, seq: int, stance: str) -> bytes:
    """§7.2: b"pledge/v2/statement" || nullifier || u64le(seq) || stance byte (60 bytes)."""
    if len(nul) != 32 or stance not in STANCE_BYTE:
        raise Refused("statement message")
    return b"pledge/v2/statement" + nul + u64le(seq) + STANCE_BYTE[stance]


def statement_leaf(nul: bytes, seq: int, stance: str, signature: bytes) -> bytes:
    """§7.1: the 6-key statement leaf."""
    return canonical_json({"kind": "statement", "nullifier": nul.hex(), "seq": seq, "signature": signature.hex(),
                           "stance": stance, "v": WIRE_VERSION})


def condition_leaf(condition: int, lab: str, status: str, date: str, evidence: str, note: str) -> bytes:
    """§7.1: the 8-key condition leaf."""
    return canonical_json({"condition": condition, "date": date, "evidence": evidence, "kind": "condition",
                           "lab": lab, "note": note, "status": status, "v": WIRE_VERSION})


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(x) -> datetime.date:
    """§7.1: "YYYY-MM-DD", a Gregorian date of years 0001..9999."""
    if not isinstance(x, str) or not _DATE.fullmatch(x):
        raise Refused("date")
    try:
        return datetime.date(int(x[:4]), int(x[5:7]), int(x[8:]))
    except ValueError as e:
        raise Refused("date") from e


def _utf8_len(x, lo: int, hi: int, what: str) -> None:
    if not isinstance(x, str):
        raise Refused(what)
    try:
        n = len(x.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise Refused(what) from e
    if not lo <= n <= hi:
        raise Refused(what)


def event_leaf(name: str, **fields) -> bytes:
    if name not in EVENT_FIELDS or set(fields) != EVENT_FIELDS[name]:
        raise Refused("event fields")
    obj = {"event": name, "kind": "event", "v": WIRE_VERSION}
    for k, v in fields.items():
        obj[k] = v.hex() if isinstance(v, bytes) else v
    return canonical_json(obj)


def destroy_digest(ctx: bytes, j: int) -> bytes:
    return H("destroy-confirmation", ctx, sc(j))


def parse_leaf(data: bytes) -> dict:
    """§7.1: strict parse of a leaf's bytes, refusing non-canonical bytes."""
    obj = strict_loads(data)
    if not isinstance(obj, dict):
        raise Refused("leaf not an object")
    if obj.get("v") != WIRE_VERSION or not _is_int(obj.get("v")):
        raise Refused("v")
    kind = obj.get("kind")
    if kind == "entry":
        if set(obj) != {"kind", "v", "lab_commitment", "nullifier", "ciphertext_sha256", "withdrawal_key"}:
            raise Refused("entry keys")
        unhex(obj["lab_commitment"], 32)
        unhex(obj["nullifier"], 32)
        unhex(obj["ciphertext_sha256"], 32)
        unhex(obj["withdrawal_key"], 32)
    elif kind == "withdrawal":
        if set(obj) != {"kind", "nullifier", "signature", "v"}:
            raise Refused("withdrawal keys")
        unhex(obj["nullifier"], 32)
        unhex(obj["signature"], 64)
    elif kind == "event":
        name = obj.get("event")
        if name not in EVENT_FIELDS or set(obj) != {"event", "kind", "v"} | EVENT_FIELDS[name]:
            raise Refused("event keys")
        if "round" in obj and (not _is_int(obj["round"]) or obj["round"] not in (1, 2)):
            raise Refused("round")
        if "leaves" in obj:
            lv = obj["leaves"]
            if not isinstance(lv, list) or not all(_is_int(x) for x in lv):
                raise Refused("leaves")
            if any(a >= b for a, b in zip(lv, lv[1:])):
                raise Refused("leaves not strictly increasing")
        if "digest" in obj:
            unhex(obj["digest"], 32)
        if "trustee" in obj and (not _is_int(obj["trustee"]) or not 1 <= obj["trustee"] <= 255):
            raise Refused("trustee")
        if "signature" in obj:
            unhex(obj["signature"], 64)
    elif kind == "statement":
        if set(obj) != {"kind", "nullifier", "seq", "signature", "stance", "v"}:
            raise Refused("statement keys")
        unhex(obj["nullifier"], 32)
        unhex(obj["signature"], 64)
        if not _is_int(obj["seq"]) or not 0 <= obj["seq"] <= 2**63 - 1:
            raise Refused("seq")
        if obj["stance"] not in STANCE_BYTE:
            raise Refused("stance")
    elif kind == "condition":
        if set(obj) != {"condition", "date", "evidence", "kind", "lab", "note", "status", "v"}:
            raise Refused("condition keys")
        if not _is_int(obj["condition"]) or not 1 <= obj["condition"] <= 2**63 - 1:
            raise Refused("condition")
        parse_date(obj["date"])
        _utf8_len(obj["evidence"], 0, 500, "evidence")
        _utf8_len(obj["lab"], 1, 255, "lab")
        _utf8_len(obj["note"], 0, 2000, "note")
        if obj["status"] not in CONDITION_STATUSES:
            raise Refused("status")
    else:
        raise Refused("kind")
    if len(data) > MAX_LEAF:
        raise Refused("leaf too long")
    if canonical_json(obj) != bytes(data):
        raise Refused("not canonical")
    return obj


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = _split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if not 0 <= index < n:
        raise Refused("index")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [mth(leaves[:k])]


def verify_inclusion(index: int, size: int, lhash: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, lhash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]); empty for m == n and m == 0 (§7.3)."""
    n = len(leaves)
    if not 0 <= m <= n:
        raise Refused("sizes")
    if m == 0 or m == n:
        return []

    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = _split(n)
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]

    return subproof(m, leaves, True)


def verify_consistency(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, with §7.3's two extra cases."""
    if m > n:
        return False
    if m == n:
        return not proof and old == new
    if m == 0:
        return not proof and old == hashlib.sha256(b"").digest()
    if m & (m - 1) == 0:
        proof = [old] + list(proof)
    if not proof:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old and sr == new


def _head_body(log_id: bytes, size: int, timestamp: int, root: bytes) -> bytes:
    if len(root) != 32:
        raise Refused("root size")
    return u64le(len(log_id)) + log_id + u64le(size) + u64le(timestamp) + root


def tree_head_message(log_id: bytes, size: int, timestamp: int, root: bytes) -> bytes:
    return b"pledge/v2/sth" + _head_body(log_id, size, timestamp, root)


def cosign_message(log_id: bytes, size: int, timestamp: int, root: bytes) -> bytes:
    return b"pledge/v2/cosign" + _head_body(log_id, size, timestamp, root)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False


def verify_tree_head(log_key, log_id, size, timestamp, root, signature) -> bool:
    return ed25519_verify(log_key, tree_head_message(log_id, size, timestamp, root), signature)


def verify_cosignature(witness_key, log_id, size, timestamp, root, signature) -> bool:
    return ed25519_verify(witness_key, cosign_message(log_id, size, timestamp, root), signature)


def round_revealed_digest(entries: list[tuple[int, dict, dict[int, bytes]]]) -> bytes:
    """§10.6: entries = [(leaf_index, opening JSON object, {trustee j: partial bytes}), ...]."""
    lst = [
        {"leaf_index": i, "opening": opening, "partials": {str(j): p.hex() for j, p in parts.items()}}
        for i, opening, parts in sorted(entries, key=lambda e: e[0])
    ]
    return hashlib.sha256(canonical_json(lst)).digest()


# ---------------------------------------------------------------------------------------------
# §1.5 the group: edwards25519 in pure Python (extended coordinates)
# ---------------------------------------------------------------------------------------------

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    A = (y1 - x1) * (y2 - x2) % P
    B = (y1 + x1) * (y2 + x2) % P
    C = 2 * t1 * t2 * D % P
    Dd = 2 * z1 * z2 % P
    E, F, G_, H_ = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G_ * H_ % P, F * G_ % P, E * H_ % P)


def _neg(a):
    x, y, z, t = a
    return (-x % P, y, z, -t % P)


def _mul(k: int, a):
    r = IDENTITY
    while k:
        if k & 1:
            r = _add(r, a)
        a = _add(a, a)
        k >>= 1
    return r


def _eq(a, b):
    x1, y1, z1, _ = a
    x2, y2, z2, _ = b
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _is_identity(a):
    return _eq(a, IDENTITY)


def encode_point(a) -> bytes:
    x, y, z, _ = a
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decode_raw(b: bytes):
    if len(b) != 32:
        raise Refused("point not 32 bytes")
    v = int.from_bytes(b, "little")
    sign, y = v >> 255, v & (2**255 - 1)
    if y >= P:
        raise Refused("non-canonical point")
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        raise Refused("not on the curve")
    if x == 0 and sign:
        raise Refused("non-canonical x sign")
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def decode_point(b: bytes):
    """A point received from anyone, with the five checks of §1.5."""
    a = _decode_raw(b)
    if _is_identity(a):
        raise Refused("identity")
    if not _is_identity(_mul(L, a)):
        raise Refused("not in the prime-order subgroup")
    return a


BASE = _decode_raw(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))


def scalar(b: bytes) -> int:
    """A scalar received from anyone: 32 bytes, < L, no reduction (§1.5)."""
    if len(b) != 32:
        raise Refused("scalar not 32 bytes")
    v = int.from_bytes(b, "little")
    if v >= L:
        raise Refused("non-canonical scalar")
    return v


def smul(k: int, pt) -> bytes:
    return encode_point(_mul(k % L, pt))


def base_mul(k: int) -> bytes:
    return smul(k, BASE)


# ---------------------------------------------------------------------------------------------
# §4 the DKG (public parts)
# ---------------------------------------------------------------------------------------------


def poly_eval(coeffs: list[int], x: int) -> int:
    return sum(a * pow(x, k, L) for k, a in enumerate(coeffs)) % L


def commitments(coeffs: list[int]) -> list[bytes]:
    return [base_mul(a) for a in coeffs]


def deal_digest(ctx: bytes, comms: list[bytes], pop_r: bytes, pop_z: bytes, shares: list[bytes]) -> bytes:
    """§4.2 step 5: `shares` are the encrypted shares E_i1..E_in in trustee order."""
    return H("deal", ctx, b"".join(comms) + pop_r + pop_z, H("deal-shares", *shares))


# §4.1 the X25519 key check


def x25519_key_problem(key: bytes) -> str | None:
    """Why §4.1 refuses an X25519 public key, or None when it passes."""
    if len(key) != 32:
        return "not 32 bytes"
    u = int.from_bytes(key, "little")
    if u >= P:
        return "not a canonical field element"
    if u == P - 1:
        return "of low order"
    y = (u - 1) * pow(u + 1, P - 2, P) % P
    try:
        pt = _decode_raw(y.to_bytes(32, "little"))
    except Refused:
        return "not a point of the curve"
    if _is_identity(_mul(8, pt)):
        return "of low order"
    if not _is_identity(_mul(L, pt)):
        return "of mixed order (not in the prime-order subgroup)"
    return None


def x25519_point(key: bytes) -> bytes:
    """P(u) of §4.1, for a key that passes the check."""
    problem = x25519_key_problem(key)
    if problem:
        raise Refused(f"the X25519 key is {problem}")
    u = int.from_bytes(key, "little")
    return ((u - 1) * pow(u + 1, P - 2, P) % P).to_bytes(32, "little")


# §4.8 the answer to a complaint and the verdict


def answer_challenge(ctx, i, j, Pi, Pj, S, A1, A2) -> int:
    return int.from_bytes(Hs("complaint-answer", ctx, sc(i), sc(j), Pi, Pj, S, A1, A2), "little")


def check_answer(ctx: bytes, i: int, j: int, ui: bytes, uj: bytes, S: bytes, A1: bytes, A2: bytes, z: bytes) -> None:
    """The two equations of §4.8 (the signature is checked apart); raises Refused."""
    Pi, Pj = x25519_point(ui), x25519_point(uj)
    pS, pA1, pA2 = decode_point(S), decode_point(A1), decode_point(A2)
    zz = scalar(z)
    c = answer_challenge(ctx, i, j, Pi, Pj, S, A1, A2)
    if not _eq(_mul(zz, BASE), _add(pA1, _mul(c, decode_point(Pi)))):
        raise Refused("answer: z·G != A1 + c·P_i")
    if not _eq(_mul(zz, decode_point(Pj)), _add(pA2, _mul(c, pS))):
        raise Refused("answer: z·P_j != A2 + c·S")


def open_with_shared_point(S: bytes, sealed: bytes) -> bytes:
    """Open an encrypted share with the box key HSalsa20(u(S), 0) (§4.8)."""
    y = int.from_bytes(S, "little") & (2**255 - 1)
    u = (1 + y) * pow(1 - y, P - 2, P) % P
    return secretbox_open(_hsalsa20(u.to_bytes(32, "little"), bytes(16)), sealed)


def complaint_verdict(ctx: bytes, i: int, j: int, commitments: list[bytes], sealed: bytes, S: bytes) -> tuple[int, bool]:
    """(seat at fault, whether it is the dealer) for a valid answer, by the rule of §4.8."""
    try:
        plain = open_with_shared_point(S, sealed)
    except Refused:
        return i, True
    if len(plain) != 128 or plain[:96] != ctx + sc(i) + sc(j):
        return i, True
    try:
        s = scalar(plain[96:])
    except Refused:
        return i, True
    acc = IDENTITY
    for k, c in enumerate(commitments):
        acc = _add(acc, _mul(pow(j, k, L), decode_point(c)))
    if not _eq(_mul(s, BASE), acc):
        return i, True
    return j, False


def pop_challenge(ctx: bytes, i: int, c0: bytes, rk: bytes) -> bytes:
    return Hs("dkg-pop", ctx, sc(i), c0, rk)


def transcript(ctx: bytes, all_comms: list[list[bytes]]) -> bytes:
    return H("transcript", ctx, *[b"".join(c) for c in all_comms])


def joint_keys(all_comms: list[list[bytes]], n: int) -> tuple[bytes, dict[int, bytes]]:
    t = len(all_comms[0])
    A = []
    for k in range(t):
        acc = IDENTITY
        for c in all_comms:
            acc = _add(acc, decode_point(c[k]))
        A.append(acc)
    Y = encode_point(A[0])
    decode_point(Y)
    Yj = {}
    for j in range(1, n + 1):
        acc = IDENTITY
        for k in range(t):
            acc = _add(acc, _mul(pow(j, k, L), A[k]))
        Yj[j] = encode_point(acc)
        decode_point(Yj[j])
    return Y, Yj


# ---------------------------------------------------------------------------------------------
# §1.6 XSalsa20-Poly1305 (NaCl secretbox), pure Python
# ---------------------------------------------------------------------------------------------

_SIGMA = b"expand 32-byte k"
M32 = 0xFFFFFFFF


def _rotl(v, c):
    return ((v << c) & M32) | (v >> (32 - c))


def _salsa_rounds(x):
    x = list(x)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11)):
            x[b] ^= _rotl((x[a] + x[d]) & M32, 7)
            x[c] ^= _rotl((x[b] + x[a]) & M32, 9)
            x[d] ^= _rotl((x[c] + x[b]) & M32, 13)
            x[a] ^= _rotl((x[d] + x[c]) & M32, 18)
        for a, b, c, d in ((0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            x[b] ^= _rotl((x[a] + x[d]) & M32, 7)
            x[c] ^= _rotl((x[b] + x[a]) & M32, 9)
            x[d] ^= _rotl((x[c] + x[b]) & M32, 13)
            x[a] ^= _rotl((x[d] + x[c]) & M32, 18)
    return x


def _state(key: bytes, n16: bytes):
    c = struct.unpack("<4I", _SIGMA)
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", n16)
    return [c[0], k[0], k[1], k[2], k[3], c[1], n[0], n[1], n[2], n[3], c[2], k[4], k[5], k[6], k[7], c[3]]


def _hsalsa20(key: bytes, n16: bytes) -> bytes:
    x = _salsa_rounds(_state(key, n16))
    return struct.pack("<8I", *[x[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)])


def _salsa20_stream(key: bytes, n8: bytes, length: int) -> bytes:
    out = bytearray()
    ctr = 0
    while len(out) < length:
        s = _state(key, n8 + struct.pack("<Q", ctr))
        x = _salsa_rounds(s)
        out += struct.pack("<16I", *[(a + b) & M32 for a, b in zip(x, s)])
        ctr += 1
    return bytes(out[:length])


def _poly1305(key: bytes, msg: bytes) -> bytes:
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = 2**130 - 5
    acc = 0
    for i in range(0, len(msg), 16):
        block = msg[i : i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) % 2**128).to_bytes(16, "little")


def secretbox_seal(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """Returns nonce || tag || ciphertext (the layout NaCl/PyNaCl write)."""
    sub = _hsalsa20(key, nonce[:16])
    stream = _salsa20_stream(sub, nonce[16:24], 32 + len(plaintext))
    ct = bytes(a ^ b for a, b in zip(plaintext, stream[32:]))
    return nonce + _poly1305(stream[:32], ct) + ct


def secretbox_open(key: bytes, box: bytes) -> bytes:
    if len(box) < 40:
        raise Refused("box too short")
    nonce, tag, ct = box[:24], box[24:40], box[40:]
    sub = _hsalsa20(key, nonce[:16])
    stream = _salsa20_stream(sub, nonce[16:24], 32 + len(ct))
    if _poly1305(stream[:32], ct) != tag:
        raise Refused("box does not open")
    return bytes(a ^ b for a, b in zip(ct, stream[32:]))


# ---------------------------------------------------------------------------------------------
# §6 sealing, §10 partials and combination
# ---------------------------------------------------------------------------------------------


def pad(payload: bytes) -> bytes:
    if len(payload) > 1023:
        raise Refused("payload too long")
    return payload + b"\x80" + b"\x00" * (1023 - len(payload))


def unpad(padded: bytes) -> bytes:
    if len(padded) != 1024:
        raise Refused("not 1024 bytes")
    s = padded.rstrip(b"\x00")
    if not s or s[-1] != 0x80:
        raise Refused("bad padding")
    return s[:-1]


def kem_key(Y: bytes, R: bytes, K: bytes, ad: bytes) -> bytes:
    return H("kem", Y, R, K, ad, n=32)


def seal(Y: bytes, ad: bytes, payload: bytes, r: int, u: int, nonce: bytes) -> bytes:
    """§6.4-§6.6 with the randomness given (r, u, nonce)."""
    Yp = decode_point(Y)
    R = base_mul(r)
    K = smul(r, Yp)
    box = secretbox_seal(kem_key(Y, R, K, ad), nonce, pad(payload))
    U = base_mul(u)
    e = int.from_bytes(Hs("ct-pok", Y, R, U, ad, box), "little")
    s = (u + e * r) % L
    return R + sc(e) + sc(s) + box


def check_ciphertext(Y: bytes, ad: bytes, ct: bytes) -> None:
    """§6.7 public check; raises Refused."""
    if len(ct) != 1160:
        raise Refused("ciphertext length")
    Rp = decode_point(ct[:32])
    e, s = scalar(ct[32:64]), scalar(ct[64:96])
    box = ct[96:]
    U = _add(_mul(s, BASE), _neg(_mul(e, Rp)))
    if Hs("ct-pok", Y, ct[:32], encode_point(U), ad, box) != ct[32:64]:
        raise Refused("ct-pok")


def dleq_nonce(x: int, R: bytes, rand32: bytes) -> int:
    return int.from_bytes(Hs("dleq-nonce", sc(x), R, rand32), "little")


def partial_decrypt(j: int, x: int, R: bytes, ad: bytes, rho: int) -> bytes:
    Rp = decode_point(R)
    Yj = base_mul(x)
    Dj = smul(x, Rp)
    A1 = base_mul(rho)
    A2 = smul(rho, Rp)
    c = int.from_bytes(Hs("dleq", sc(j), Yj, R, Dj, A1, A2, ad), "little")
    z = (rho + c * x) % L
    return Dj + sc(c) + sc(z)


def check_partial(j: int, Yj: bytes, R: bytes, ad: bytes, partial: bytes) -> None:
    Yp, Rp = decode_point(Yj), decode_point(R)
    if len(partial) != 96:
        raise Refused("partial length")
    Dp = decode_point(partial[:32])
    c, z = scalar(partial[32:64]), scalar(partial[64:96])
    A1 = _add(_mul(z, BASE), _neg(_mul(c, Yp)))
    A2 = _add(_mul(z, Rp), _neg(_mul(c, Dp)))
    if Hs("dleq", sc(j), Yj, R, partial[:32], encode_point(A1), encode_point(A2), ad) != partial[32:64]:
        raise Refused("dleq")


def lagrange_at_zero(S: list[int]) -> dict[int, int]:
    lam = {}
    for j in S:
        num = den = 1
        for m in S:
            if m != j:
                num = num * m % L
                den = den * (m - j) % L
        lam[j] = num * pow(den, L - 2, L) % L
    return lam


def combine(Y: bytes, ad: bytes, ciphertext: bytes, partials: dict[int, bytes], t: int | None = None):
    """§10.5: returns the published payload (bytes) or None."""
    S = sorted(partials)
    if t is not None:
        S = S[:t]
    lam = lagrange_at_zero(S)
    K = IDENTITY
    for j in S:
        K = _add(K, _mul(lam[j], decode_point(partials[j][:32])))
    if _is_identity(K):
        raise Refused("K is the identity")
    R = ciphertext[:32]
    key = kem_key(Y, R, encode_point(K), ad)
    try:
        return unpad(secretbox_open(key, ciphertext[96:]))
    except Refused:
        return None


# ---------------------------------------------------------------------------------------------
# §5.3 RFC 9474 RSABSSA-SHA384-PSS-Randomized (RFC 8017 EMSA-PSS)
# ---------------------------------------------------------------------------------------------


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    c = 0
    while len(out) < length:
        out += hashlib.sha384(seed + c.to_bytes(4, "big")).digest()
        c += 1
    return out[:length]


def emsa_pss_encode(msg: bytes, embits: int, salt: bytes) -> bytes:
    mhash = hashlib.sha384(msg).digest()
    emlen = (embits + 7) // 8
    hlen, slen = 48, len(salt)
    if emlen < hlen + slen + 2:
        raise Refused("encoding error")
    h = hashlib.sha384(b"\x00" * 8 + mhash + salt).digest()
    db = b"\x00" * (emlen - slen - hlen - 2) + b"\x01" + salt
    mask = _mgf1(h, emlen - hlen - 1)
    masked = bytearray(a ^ b for a, b in zip(db, mask))
    masked[0] &= 0xFF >> (8 * emlen - embits)
    return bytes(masked) + h + b"\xbc"


def emsa_pss_verify(msg: bytes, em: bytes, embits: int, slen: int = 48) -> bool:
    mhash = hashlib.sha384(msg).digest()
    emlen = (embits + 7) // 8
    hlen = 48
    if len(em) != emlen or emlen < hlen + slen + 2 or em[-1] != 0xBC:
        return False
    masked, h = em[: emlen - hlen - 1], em[emlen - hlen - 1 : -1]
    top = 8 * emlen - embits
    if masked[0] & ~(0xFF >> top) & 0xFF:
        return False
    db = bytearray(a ^ b for a, b in zip(masked, _mgf1(h, emlen - hlen - 1)))
    db[0] &= 0xFF >> top
    ps = emlen - hlen - slen - 2
    if any(db[:ps]) or db[ps] != 1:
        return False
    salt = bytes(db[len(db) - slen :])
    return hashlib.sha384(b"\x00" * 8 + mhash + salt).digest() == h


def rsa_pss_verify(n: int, e: int, msg: bytes, sig: bytes) -> bool:
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    embits = n.bit_length() - 1
    try:
        em = pow(s, e, n).to_bytes((embits + 7) // 8, "big")
    except OverflowError:
        return False
    return emsa_pss_verify(msg, em, embits)


def rsabssa_blind(n: int, e: int, prepared: bytes, salt: bytes, r: int) -> bytes:
    k = (n.bit_length() + 7) // 8
    em = emsa_pss_encode(prepared, n.bit_length() - 1, salt)
    m = int.from_bytes(em, "big")
    return (m * pow(r, e, n) % n).to_bytes(k, "big")


def rsabssa_blind_sign(n: int, d: int, blinded: bytes) -> bytes:
    k = (n.bit_length() + 7) // 8
    return pow(int.from_bytes(blinded, "big"), d, n).to_bytes(k, "big")


def rsabssa_finalize(n: int, e: int, prepared: bytes, blind_sig: bytes, inv: int) -> bytes:
    k = (n.bit_length() + 7) // 8
    sig = (int.from_bytes(blind_sig, "big") * inv % n).to_bytes(k, "big")
    if not rsa_pss_verify(n, e, prepared, sig):
        raise Refused("signature does not verify")
    return sig


# ---------------------------------------------------------------------------------------------
# §3.4 the threshold rule, §8.3 lifecycle replay, §8.4 what the log says
# ---------------------------------------------------------------------------------------------


def select_round(candidates_by_lab: dict[str, list[int]], k: int) -> list[int]:
    """§8.7: per lab, every candidate if the lab has at least k, else none."""
    return sorted(i for v in candidates_by_lab.values() if len(v) >= k for i in v)


def rule_holds(rule: dict, lab_slugs: list[str], live_labs: list[str]) -> bool:
    """§3.4 over a set of live entries given by their labs."""
    if len(live_labs) < rule["min_total"]:
        return False
    per = rule["min_per_lab"]
    met = 0 if per < 1 else sum(1 for s in lab_slugs if live_labs.count(s) >= per)
    return met >= rule["min_labs"]


DEADLINE_EVENTS = ("signing-ended", "expired")


def _is_deadline_event(obj) -> bool:
    return obj["kind"] == "event" and (obj["event"] in DEADLINE_EVENTS or (obj["event"] == "round-frozen" and obj["round"] == 2))


def replay(leaves: list[bytes], heads: list[tuple[int, int]], deadline: int, reveal_window: int,
           conditions: int | None = None, labs: set[str] | None = None) -> dict:
    """§8.3 and §8.8: replay leaves batch by batch with heads [(size, timestamp), ...]; raises
    Refused with the rule's name at the first rule broken; returns §8.4's rounds, threshold_met,
    outcome, stances (nullifier hex -> latest stance), withholding (sorted nullifier hex) and
    conditions (every condition leaf as (position, timestamp, leaf object)). ``conditions`` (the
    number of the manifest's conditions) and ``labs`` (its slugs), when given, check C1.
    (Leaf meaning against the manifest -- tokens, signatures -- is §7.1's and not checked here.)"""
    objs = [parse_leaf(x) for x in leaves]
    prev_size, prev_ts = 0, None
    for size, ts in heads:
        if size < prev_size or size > len(leaves):
            raise Refused("H1")
        if prev_ts is not None and ts <= prev_ts:
            raise Refused("H2")
        prev_size, prev_ts = size, ts
    if prev_size != len(leaves):
        raise Refused("H1")

    entries: dict[str, int] = {}  # nullifier -> index
    withdrawn: set[str] = set()
    frozen: set[int] = set()
    rounds: list[dict] = []
    deadline_seen = ended = False  # ended: expired, closed or taken-down seen
    destroyed: set[int] = set()
    saw = {"expired": False, "closed": False, "taken-down": False}
    revealed_nullifiers: set[str] = set()
    stances: dict[str, tuple[str, int]] = {}  # nullifier -> (stance, seq)
    history: list[tuple[int, int, dict]] = []
    start = 0
    for b, (size, now_ts) in enumerate(heads, 1):
        event_in_batch = False
        deadline_before_batch = deadline_seen
        for pos in range(start, size):
            o = objs[pos]
            if o["kind"] in ("statement", "condition"):
                if event_in_batch:
                    raise Refused("A1")
                if saw["expired"] or saw["taken-down"]:
                    raise Refused("A2")
                if not rounds or rounds[0]["status"] != "revealed":
                    raise Refused("A3")
                if o["kind"] == "statement":
                    nul = o["nullifier"]
                    if nul not in revealed_nullifiers:
                        raise Refused("S1")
                    before = stances.get(nul)
                    if o["seq"] != (0 if before is None else before[1] + 1):
                        raise Refused("S2")
                    if (before is None and o["stance"] != "withholding") or (before is not None and before[0] == o["stance"]):
                        raise Refused("S3")
                    stances[nul] = (o["stance"], o["seq"])
                else:
                    if conditions is not None and o["condition"] > conditions:
                        raise Refused("C1")
                    if labs is not None and o["lab"] not in labs:
                        raise Refused("C1")
                    day = datetime.datetime.fromtimestamp(now_ts, datetime.UTC).date()
                    if parse_date(o["date"]) > day:
                        raise Refused("C2")
                    history.append((pos, now_ts, o))
                continue
            if o["kind"] in ("entry", "withdrawal"):
                if event_in_batch:
                    raise Refused("E1")
                if deadline_seen:
                    raise Refused("E2")
                nul = o["nullifier"]
                if o["kind"] == "entry":
                    if nul in entries:
                        raise Refused("E3")
                    entries[nul] = pos
                else:
                    if nul not in entries or nul in withdrawn or entries[nul] in frozen:
                        raise Refused("E4")
                    withdrawn.add(nul)
                continue
            event_in_batch = True
            ev = o["event"]
            if ended and ev != "share-destroyed":
                raise Refused("V1")
            live = sorted(i for n_, i in entries.items() if n_ not in withdrawn)
            if ev == "round-frozen":
                if o["round"] != len(rounds) + 1:
                    raise Refused("V2")
                if o["round"] == 1:
                    candidates = live
                    if deadline_seen or now_ts >= deadline:
                        raise Refused("V2")
                else:
                    candidates = [i for i in live if i not in rounds[0]["leaves"]]
                    if deadline_seen or now_ts < deadline:
                        raise Refused("V4")
                    deadline_seen = True
                # V2: a non-empty subset of the candidates (which one depends on labs, §8.7)
                if not o["leaves"] or not set(o["leaves"]) <= set(candidates):
                    raise Refused("V2")
                frozen |= set(o["leaves"])
                rounds.append(
                    {"number": o["round"], "leaves": list(o["leaves"]), "batch": b, "time": now_ts, "status": "pending",
                     "position": pos}
                )
            elif ev in ("round-revealed", "round-abandoned"):
                r = o["round"]
                if r > len(rounds) or rounds[r - 1]["status"] != "pending" or rounds[r - 1]["batch"] >= b:
                    raise Refused("V3")
                if ev == "round-abandoned":
                    if now_ts < rounds[r - 1]["time"] + reveal_window:
                        raise Refused("V3")
                    rounds[r - 1]["status"] = "abandoned"
                else:
                    rounds[r - 1]["status"] = "revealed"
                    rounds[r - 1]["digest"] = o["digest"]
                    revealed_nullifiers.update(objs[i]["nullifier"] for i in rounds[r - 1]["leaves"])
            elif ev in DEADLINE_EVENTS:
                if deadline_seen or now_ts < deadline:
                    raise Refused("V4")
                if ev == "expired" and rounds:
                    raise Refused("V4")
                if ev == "signing-ended" and not rounds:
                    raise Refused("V4")
                deadline_seen = True
                if ev == "expired":
                    ended = saw["expired"] = True
            elif ev == "closed":
                if not deadline_seen or any(r["status"] == "pending" for r in rounds):
                    raise Refused("V5")
                ended = saw["closed"] = True
            elif ev == "share-destroyed":
                if not ended or o["trustee"] in destroyed:
                    raise Refused("V6")
                destroyed.add(o["trustee"])
            elif ev == "taken-down":
                # V7: V1 already refused it after an end; it is the deadline event if none came
                # before; every pending round is abandoned at once.
                deadline_seen = True
                for rnd in rounds:
                    if rnd["status"] == "pending":
                        rnd["status"] = "abandoned"
                ended = saw["taken-down"] = True
        if now_ts >= deadline and not deadline_before_batch and not deadline_seen:
            raise Refused("D1")
        start = size
    if saw["expired"]:
        outcome = "expired"
    elif saw["closed"]:
        outcome = "closed"
    elif saw["taken-down"]:
        outcome = "taken-down"
    elif rounds and rounds[0]["status"] == "revealed":
        outcome = "revealed"
    else:
        outcome = "open"
    return {"rounds": rounds, "threshold_met": bool(rounds), "outcome": outcome, "stances": stances,
            "withholding": sorted(n for n, (stance, _) in stances.items() if stance == "withholding"),
            "conditions": history}
