"""Check the independent implementation (reference.py, written from docs/protocol.md alone)
against every vector file in tests/vectors/ and against the document's own worked examples."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nacl.signing
import pytest

from . import reference as ref

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors"
PROJECT_PACKAGES = ("crypto", "pledge", "pledge_tools", "static", "bench")


def load(name):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def hx(s):
    return bytes.fromhex(s)


# --------------------------------------------------------------------------------------------
# The rule: nothing of the project is imported
# --------------------------------------------------------------------------------------------


def test_reference_imports_nothing_of_the_project():
    tree = ast.parse((HERE / "reference.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "datetime", "hashlib", "json", "re", "struct", "nacl"}, imported


def test_reference_loads_no_project_module_in_a_clean_interpreter():
    # tests/conftest.py may import the project into this process, so check in a fresh,
    # isolated interpreter (-I) whose path holds only this directory, run from "/".
    code = "\n".join(
        [
            "import sys",
            f"sys.path.insert(0, {str(HERE)!r})",
            "import reference",
            f"bad = [m for m in sys.modules if m.split('.')[0] in {PROJECT_PACKAGES!r}]",
            "assert not bad, bad",
            "print('clean')",
        ]
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert "clean" in out.stdout


def test_no_project_module_after_importing_reference_here():
    # In this process too, reference itself pulled in nothing of the project (a module the
    # project's own conftest loaded would not be reference's doing, so compare against that).
    assert ref.__name__.endswith("reference")
    assert not [m for m in vars(ref).values() if getattr(m, "__name__", "").split(".")[0] in PROJECT_PACKAGES]


def test_vector_files_all_covered():
    names = sorted(p.name for p in VECTORS.glob("*.json"))
    assert names == sorted(
        [
            "canonical_json.json",
            "combine.json",
            "complaints.json",
            "dkg.json",
            "dleq.json",
            "events.json",
            "hash.json",
            "heads.json",
            "merkle.json",
            "openings.json",
            "rfc9474.json",
            "seal.json",
        ]
    ), names


# --------------------------------------------------------------------------------------------
# §1 conventions and hashing
# --------------------------------------------------------------------------------------------


def test_doc_u64le_and_sc():
    assert ref.u64le(5).hex() == "0500000000000000"
    assert ref.sc(1) == b"\x01" + b"\x00" * 31


def test_doc_hash_example():
    assert (ref.PREFIX + b"example").hex() == "706c656467652f76322f6578616d706c65"
    assert ref.H("example", b"abc", b"", n=32).hex() == ("0fd2d114ea9d228a3cdc722c8427dc1813cc4aa657fd737453f35be3a85ed97f")
    assert ref.Hs("example", b"abc", b"").hex() == ("ae1c654961cb731e351070d6866a5f3e27ef57ed2d5ae2d72791bdf41a3eb803")


def test_doc_group_constants():
    assert ref.encode_point(ref.BASE).hex() == "58" + "66" * 31
    assert ref.encode_point(ref._mul(ref.L, ref.BASE)) == ref.encode_point(ref.IDENTITY)
    with pytest.raises(ref.Refused):
        ref.decode_point(bytes.fromhex("01" + "00" * 31))  # identity refused


@pytest.mark.parametrize("v", load("hash.json"), ids=lambda v: f"{v['tag']}/{v['n']}")
def test_hash_vector(v):
    assert ref.H(v["tag"], *[hx(p) for p in v["parts"]], n=v["n"]).hex() == v["out"]


# --------------------------------------------------------------------------------------------
# §2 canonical JSON
# --------------------------------------------------------------------------------------------

CJ = load("canonical_json.json")


@pytest.mark.parametrize("v", CJ["valid"], ids=lambda v: v["name"])
def test_canonical_json_valid(v):
    value = ref.strict_loads(v["input"])
    assert ref.canonical_json(value).hex() == v["output"]
    # the encoder also gives the same bytes from a plain json.loads of the input
    assert ref.canonical_json(json.loads(v["input"])).hex() == v["output"]
    # and the canonical bytes read back strictly to the same value
    assert ref.strict_loads(bytes.fromhex(v["output"])) == value


@pytest.mark.parametrize("v", CJ["refused"], ids=lambda v: v["name"])
def test_canonical_json_refused(v):
    # the encoder refuses the value ...
    with pytest.raises(ref.Refused):
        ref.canonical_json(json.loads(v["input"]))
    # ... and the strict reader refuses the text
    with pytest.raises(ref.Refused):
        ref.strict_loads(v["input"])


def test_doc_canonical_json_examples():
    v = {"😀": 1, "ﬀ": 2, "Z": 3, "a": 4, "é": 5}
    assert ref.canonical_json(v).hex() == ("7b225a223a332c2261223a342c22c3a9223a352c22efac80223a322c22f09f9880223a317d")
    v2 = {
        "v": 2,
        "name": 'Zoë "Z" O\'Neil',
        "path": "a\\b",
        "ctl": "\x00\x08\x09\x0a\x0c\x0d\x1f\x7f",
        "sep": "\u2028",
        "n": [0, 9223372036854775807, True, False, None],
        "bytes": bytes([0, 0xFF, 0x10]),
    }
    assert ref.canonical_json(v2).hex() == (
        "7b226279746573223a22303066663130222c2263746c223a225c75303030305c625c745c6e5c665c725c7530"
        "3031667f222c226e223a5b302c393232333337323033363835343737353830372c747275652c66616c73652c"
        "6e756c6c5d2c226e616d65223a225a6fc3ab205c225a5c22204f274e65696c222c2270617468223a22615c5c"
        "62222c22736570223a22e280a8222c2276223a327d"
    )


@pytest.mark.parametrize(
    "text",
    [
        "-0",
        "1.0",
        "1e2",
        "NaN",
        "Infinity",
        '{"a":1,"a":2}',
        '{"a":1,"\\u0061":2}',
        '"\\ud800"',
        "9223372036854775808",
        "\ufeff{}",
        "{} x",
        "[01]",
    ],
)
def test_strict_reader_refusals(text):
    with pytest.raises(ref.Refused):
        ref.strict_loads(text)


def test_strict_reader_refuses_bad_utf8_and_bom():
    with pytest.raises(ref.Refused):
        ref.strict_loads(b'"\xff"')
    with pytest.raises(ref.Refused):
        ref.strict_loads(b"\xef\xbb\xbf{}")
    assert ref.strict_loads(b' { "a" : "\\u00e9" } \n') == {"a": "é"}


# --------------------------------------------------------------------------------------------
# §7.3 Merkle
# --------------------------------------------------------------------------------------------

MERKLE = load("merkle.json")


@pytest.mark.parametrize("v", MERKLE, ids=lambda v: f"size{len(v['leaves'])}")
def test_merkle_vector(v):
    leaves = [hx(x) for x in v["leaves"]]
    root = ref.mth(leaves)
    assert root.hex() == v["root"]
    for inc in v["inclusion"]:
        proof = ref.inclusion_proof(inc["index"], leaves)
        assert [p.hex() for p in proof] == inc["proof"]
        assert ref.verify_inclusion(
            inc["index"], len(leaves), ref.leaf_hash(leaves[inc["index"]]), [hx(p) for p in inc["proof"]], root
        )
    # consistency proofs (no vector: self-consistency of the RFC 9162 algorithms)
    for m in range(len(leaves) + 1):
        proof = ref.consistency_proof(m, leaves)
        assert ref.verify_consistency(m, len(leaves), ref.mth(leaves[:m]), root, proof)


def test_merkle_empty_root():
    assert ref.mth([]).hex() == hashlib.sha256(b"").hexdigest()


# --------------------------------------------------------------------------------------------
# §7.4, §9.2 tree heads and cosignatures
# --------------------------------------------------------------------------------------------

HEADS = load("heads.json")


def test_heads_keys_from_seeds():
    assert nacl.signing.SigningKey(hx(HEADS["log_seed"])).verify_key.encode().hex() == HEADS["log_key"]
    for w in HEADS["witnesses"]:
        assert nacl.signing.SigningKey(hx(w["seed"])).verify_key.encode().hex() == w["key"]


@pytest.mark.parametrize("h", HEADS["heads"], ids=lambda h: f"size{h['size']}")
def test_head_vector(h):
    log_id = h["log_id"].encode("ascii")
    root = hx(h["root"])
    msg = ref.tree_head_message(log_id, h["size"], h["timestamp"], root)
    assert msg.hex() == h["message"]
    cmsg = ref.cosign_message(log_id, h["size"], h["timestamp"], root)
    assert cmsg.hex() == h["cosign_message"]
    log_key = hx(HEADS["log_key"])
    sig = hx(h["signature"])
    assert ref.verify_tree_head(log_key, log_id, h["size"], h["timestamp"], root, sig)
    # Ed25519 is deterministic: the log seed reproduces the signature byte for byte
    assert nacl.signing.SigningKey(hx(HEADS["log_seed"])).sign(msg).signature == sig
    # the head signature is not a cosignature and vice versa (different prefixes)
    assert not ref.verify_cosignature(log_key, log_id, h["size"], h["timestamp"], root, sig)
    seeds = {w["key"]: w["seed"] for w in HEADS["witnesses"]}
    assert set(h["cosignatures"]) == set(seeds)
    for key, cs in h["cosignatures"].items():
        assert ref.verify_cosignature(hx(key), log_id, h["size"], h["timestamp"], root, hx(cs))
        assert nacl.signing.SigningKey(hx(seeds[key])).sign(cmsg).signature.hex() == cs
        assert not ref.verify_tree_head(hx(key), log_id, h["size"], h["timestamp"], root, hx(cs))
    if h["size"] == 0:
        assert root == ref.mth([])


def test_doc_tree_head_example():
    msg = ref.tree_head_message(b"0123456789abcdef0123456789abcdef", 5, 1767225600, bytes(32))
    assert msg.hex() == (
        "706c656467652f76322f737468"
        "2000000000000000"
        "3031323334353637383961626364656630313233343536373839616263646566"
        "0500000000000000"
        "00b9556900000000" + "00" * 32
    )


# --------------------------------------------------------------------------------------------
# §7.1, §8 leaves and events; §10.6 digest; §5.5 nullifier
# --------------------------------------------------------------------------------------------

EVENTS = load("events.json")


def _entry(ev):
    return next(ref.parse_leaf(hx(x["leaf"])) for x in ev["leaves"] if x["kind"] == "entry")


def _rebuild(obj):
    kind = obj["kind"]
    if kind == "entry":
        return ref.entry_leaf(
            hx(obj["lab_commitment"]),
            hx(obj["nullifier"]),
            hx(obj["ciphertext_sha256"]),
            hx(obj["withdrawal_key"]),
        )
    if kind == "withdrawal":
        return ref.withdrawal_leaf(hx(obj["nullifier"]), hx(obj["signature"]))
    if kind == "statement":
        return ref.statement_leaf(hx(obj["nullifier"]), obj["seq"], obj["stance"], hx(obj["signature"]))
    if kind == "condition":
        return ref.condition_leaf(obj["condition"], obj["lab"], obj["status"], obj["date"], obj["evidence"],
                                  obj["note"])
    fields = {k: v for k, v in obj.items() if k not in ("event", "kind", "v")}
    for k in ("digest", "signature"):
        if k in fields:
            fields[k] = hx(fields[k])
    return ref.event_leaf(obj["event"], **fields)


def _independent_event(name, ev):
    """The event leaves built from the vector's name alone (parameters from its name)."""
    table = {
        "round 1 frozen": ("round-frozen", {"round": 1, "leaves": [0, 2, 5]}),
        "round 2 frozen (the deadline event)": ("round-frozen", {"round": 2, "leaves": [7, 9]}),
        "round 2 abandoned": ("round-abandoned", {"round": 2}),
        "signing ended": ("signing-ended", {}),
        "expired": ("expired", {}),
        "closed": ("closed", {}),
        "taken down": ("taken-down", {}),
    }
    if name in table:
        n, f = table[name]
        return ref.event_leaf(n, **f)
    if name == "round 1 revealed":
        lst = [(e["leaf_index"], e["opening"], {int(j): hx(p) for j, p in e["partials"].items()})
               for e in ev["revealed_list"]]
        return ref.event_leaf("round-revealed", round=1, digest=ref.round_revealed_digest(lst))
    return None


@pytest.mark.parametrize("v", EVENTS["leaves"], ids=lambda v: v["name"])
def test_event_vector(v):
    ev = EVENTS
    leaf = hx(v["leaf"])
    obj = ref.parse_leaf(leaf)
    assert obj["kind"] == v["kind"]
    if "event" in v:
        assert obj["event"] == v["event"]
    assert ref.leaf_hash(leaf).hex() == v["leaf_hash"]
    assert _rebuild(obj) == leaf
    built = _independent_event(v["name"], ev)
    if built is not None:
        assert built == leaf
    ctx = hx(ev["ctx"])
    if v["kind"] == "entry":
        slug, prepared, _, _ = ref.parse_opening(ev["opening"])
        assert ref.nullifier(prepared).hex() == obj["nullifier"]
        cid, lab, nonce = ref.parse_token_message(prepared[32:])
        assert lab == slug and len(cid) == 32 and len(nonce) == 32
        # §7.6 checks 1 to 4 (the vector's signature is fixed bytes, not an RSA signature)
        assert ref.open_entry(ev["opening"], obj, cid.decode("ascii")) == slug
        assert obj["withdrawal_key"] == ev["withdrawal_key"]
    elif v["kind"] == "withdrawal":
        assert obj["nullifier"] == _entry(ev)["nullifier"]
        msg = ref.withdrawal_message(hx(obj["nullifier"]))
        assert len(msg) == 50
        assert ref.ed25519_verify(hx(ev["withdrawal_key"]), msg, hx(obj["signature"]))
    elif v["kind"] == "statement":
        # §7.2: signed by the entry's withdrawal key over the 60-byte statement message
        assert obj["nullifier"] == _entry(ev)["nullifier"]
        msg = ref.statement_message(hx(obj["nullifier"]), obj["seq"], obj["stance"])
        assert len(msg) == 60 and msg.hex() == v["message"]
        assert ref.ed25519_verify(hx(ev["withdrawal_key"]), msg, hx(obj["signature"]))
        other = "stopped" if obj["stance"] == "withholding" else "withholding"
        assert not ref.ed25519_verify(hx(ev["withdrawal_key"]), ref.statement_message(
            hx(obj["nullifier"]), obj["seq"], other), hx(obj["signature"]))
    elif v["kind"] == "condition":
        assert obj["status"] in ref.CONDITION_STATUSES and ref.parse_date(obj["date"])
    elif obj["event"] == "share-destroyed":
        assert obj["trustee"] == ev["trustee"]
        assert ref.ed25519_verify(hx(ev["trustee_key"]), ref.destroy_digest(ctx, ev["trustee"]), hx(obj["signature"]))


def test_events_cover_every_kind():
    names = {(x["kind"], x.get("event")) for x in EVENTS["leaves"]}
    assert {e for k, e in names if k == "event"} == set(ref.EVENT_FIELDS)
    assert ("entry", None) in names and ("withdrawal", None) in names
    assert ("statement", None) in names and ("condition", None) in names
    stances = {ref.parse_leaf(hx(x["leaf"]))["stance"] for x in EVENTS["leaves"] if x["kind"] == "statement"}
    assert stances == set(ref.STANCE_BYTE)


def test_doc_statement_message_example():
    """§7.2's example: nullifier 32 bytes 0xab, seq 1, stopped."""
    msg = ref.statement_message(b"\xab" * 32, 1, "stopped")
    assert msg.hex() == ("706c656467652f76322f73746174656d656e74" + "ab" * 32 + "0100000000000000" + "00")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: {**o, "seq": -1},
        lambda o: {**o, "seq": True},
        lambda o: {**o, "stance": "maybe"},
        lambda o: {k: v for k, v in o.items() if k != "seq"},
        lambda o: {**o, "signature": o["signature"][:-2]},
    ],
)
def test_statement_leaf_refusals(mutate):
    leaf = next(hx(x["leaf"]) for x in EVENTS["leaves"] if x["kind"] == "statement")
    with pytest.raises(ref.Refused):
        ref.parse_leaf(ref.canonical_json(mutate(ref.parse_leaf(leaf))))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: {**o, "condition": 0},
        lambda o: {**o, "date": "2031-02-30"},
        lambda o: {**o, "date": "2031-7-01"},
        lambda o: {**o, "status": "unknown"},
        lambda o: {**o, "lab": ""},
        lambda o: {**o, "evidence": "x" * 501},
        lambda o: {**o, "note": "é" * 1001},
        lambda o: {**o, "note": "\x01" * 1600},  # 1600 bytes, but escaped to 9600: over the leaf size
        lambda o: {**o, "extra": ""},
    ],
)
def test_condition_leaf_refusals(mutate):
    leaf = next(hx(x["leaf"]) for x in EVENTS["leaves"] if x["kind"] == "condition")
    with pytest.raises(ref.Refused):
        ref.parse_leaf(ref.canonical_json(mutate(ref.parse_leaf(leaf))))
    ref.parse_leaf(ref.canonical_json({**ref.parse_leaf(leaf), "note": "é" * 1000}))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: {**o, "v": 1},
        lambda o: {**o, "extra": 1},
        lambda o: {k: v for k, v in o.items() if k != "nullifier"},
        lambda o: {**o, "nullifier": o["nullifier"].upper()},
        lambda o: {**o, "nullifier": o["nullifier"][:-2]},
        lambda o: {**o, "kind": "other"},
    ],
)
def test_leaf_refusals(mutate):
    w = next(hx(x["leaf"]) for x in EVENTS["leaves"] if x["kind"] == "withdrawal")
    with pytest.raises(ref.Refused):
        ref.parse_leaf(ref.canonical_json(mutate(ref.parse_leaf(w))))


def test_leaf_non_canonical_refused():
    w = next(hx(x["leaf"]) for x in EVENTS["leaves"] if x["kind"] == "withdrawal")
    with pytest.raises(ref.Refused):
        ref.parse_leaf(json.dumps(json.loads(w)).encode())
    with pytest.raises(ref.Refused):
        ref.parse_leaf(ref.event_leaf("round-frozen", round=1, leaves=[2, 2]))
    with pytest.raises(ref.Refused):
        ref.parse_leaf(ref.canonical_json({"event": "closed", "kind": "event", "v": 2, "round": 1}))


def test_round_revealed_digest_vector():
    lst = [(e["leaf_index"], e["opening"], {int(j): hx(p) for j, p in e["partials"].items()})
           for e in EVENTS["revealed_list"]]
    digest = ref.round_revealed_digest(lst)
    revealed = next(ref.parse_leaf(hx(x["leaf"])) for x in EVENTS["leaves"] if x.get("event") == "round-revealed")
    assert digest.hex() == revealed["digest"]
    # the same as hashing the vector's list as given
    assert hashlib.sha256(ref.canonical_json(EVENTS["revealed_list"])).digest() == digest


def _doc_opening(slug, p, t, nonce):
    return {"nonce": (nonce * 32).hex(), "prepared_message": (p * 40).hex(), "slug": slug,
            "token_signature": (t * 32).hex()}


def test_doc_round_revealed_digest_example():
    lst = [(3, _doc_opening("lab-a", b"\x44", b"\x55", b"\x66"), {1: b"\x11" * 96, 2: b"\x22" * 96}),
           (10, _doc_opening("lab-b", b"\x77", b"\x88", b"\x99"), {2: b"\x33" * 96})]
    enc = ref.canonical_json([{"leaf_index": i, "opening": o, "partials": {str(j): p.hex() for j, p in d.items()}}
                              for i, o, d in lst])
    assert len(enc) == 1237
    assert ref.round_revealed_digest(lst).hex() == ("8a9a2c4a488e9342d6a49ef5e08ea0e3cbd238bef4bacddf5946e1c8b6a7c703")


# --- §7.6 openings and lab commitments --------------------------------------------------------

OPENINGS = load("openings.json")


def test_doc_lab_commitment_example():
    data = (ref.u64le(3) + b"lab" + ref.u64le(33) + b"\x01" * 33 + ref.u64le(1) + b"\x02" + ref.u64le(32)
            + b"\x03" * 32)
    assert hashlib.blake2b(data, digest_size=32, key=b"pledge/v2/lab-commitment").hexdigest() == \
        "b61e30c3e357351091c8ccdc11137c4840f648babe8eed5150995ef6c5a0b144"
    assert ref.lab_commitment("lab", b"\x01" * 33, b"\x02", b"\x03" * 32).hex() == \
        "b61e30c3e357351091c8ccdc11137c4840f648babe8eed5150995ef6c5a0b144"


@pytest.mark.parametrize("case", OPENINGS["cases"], ids=lambda c: c["name"])
def test_lab_commitment_vectors(case):
    slug, prepared, signature, nonce = ref.parse_opening(case["opening"])
    assert ref.lab_commitment(slug, prepared, signature, nonce).hex() == case["commitment"]
    assert ref.nullifier(prepared).hex() == case["nullifier"]
    data = b"".join(ref.u64le(len(x)) + x for x in (slug.encode("utf-8"), prepared, signature, nonce))
    assert data.hex() == case["hash_input"]


@pytest.mark.parametrize("mutate", [
    lambda o: {**o, "lab": "x"},
    lambda o: {k: v for k, v in o.items() if k != "nonce"},
    lambda o: {**o, "nonce": o["nonce"][:-2]},
    lambda o: {**o, "slug": ""},
    lambda o: {**o, "slug": "é" * 128},
])
def test_opening_refusals(mutate):
    with pytest.raises(ref.Refused):
        ref.parse_opening(mutate(EVENTS["opening"]))


def test_an_opening_that_does_not_open_its_leaf():
    entry = _entry(EVENTS)
    cid = ref.parse_token_message(ref.parse_opening(EVENTS["opening"])[1][32:])[0].decode("ascii")
    with pytest.raises(ref.Refused, match="commitment"):
        ref.open_entry({**EVENTS["opening"], "slug": "other-lab"}, entry, cid)
    other = next(c["opening"] for c in OPENINGS["cases"] if c["name"] == "another token and lab")
    with pytest.raises(ref.Refused, match="commitment"):
        ref.open_entry(other, entry, cid)
    recommitted = {**entry, "lab_commitment": ref.lab_commitment(*ref.parse_opening(other)).hex()}
    with pytest.raises(ref.Refused, match="nullifier"):
        ref.open_entry(other, recommitted, cid)


def test_round_selection_per_lab():
    assert ref.select_round({"a": [0, 1, 2, 3, 4], "b": [5, 6, 7], "c": [8, 9], "d": [10]}, 3) == [0, 1, 2, 3, 4, 5, 6, 7]
    assert ref.select_round({"a": [11], "c": [9, 12, 13]}, 3) == [9, 12, 13]
    assert ref.select_round({"a": [1], "b": [2]}, 2) == []


# --------------------------------------------------------------------------------------------
# §4 DKG
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("dkg.json"), ids=lambda v: f"t{v['t']}n{v['n']}")
def test_dkg_vector(v):
    t, n = v["t"], v["n"]
    coeffs = {int(i): [ref.scalar(hx(a)) for a in cs] for i, cs in v["coefficients"].items()}
    assert sorted(coeffs) == list(range(1, n + 1))
    all_comms = []
    for i in range(1, n + 1):
        assert len(coeffs[i]) == t
        comms = ref.commitments(coeffs[i])
        assert [c.hex() for c in comms] == v["commitments"][str(i)]
        all_comms.append(comms)
    for j in range(1, n + 1):
        xj = sum(ref.poly_eval(coeffs[i], j) for i in range(1, n + 1)) % ref.L
        assert ref.sc(xj).hex() == v["shares"][str(j)]
    Y, Yj = ref.joint_keys(all_comms, n)
    assert Y.hex() == v["Y"]
    assert {str(j): k.hex() for j, k in Yj.items()} == v["verification_keys"]
    for j in range(1, n + 1):
        assert ref.base_mul(ref.scalar(hx(v["shares"][str(j)]))) == Yj[j]
    # the transcript can be computed (no vector value to compare)
    assert len(ref.transcript(hx(v["ctx"]), all_comms)) == 64
    # every deal's digest over its commitments, proof and encrypted shares, and its signature
    for i in range(1, n + 1):
        d = v["deals"][str(i)]
        shares = [hx(d["encrypted_shares"][str(j)]) for j in range(1, n + 1)]
        digest = ref.deal_digest(hx(v["ctx"]), all_comms[i - 1], hx(d["pop_r"]), hx(d["pop_z"]), shares)
        assert digest.hex() == d["digest"]
        assert ref.ed25519_verify(hx(v["trustees"][str(i)]["ed25519"]), digest, hx(d["signature"]))
        for j in range(1, n + 1):
            assert ref.x25519_key_problem(hx(v["trustees"][str(j)]["x25519"])) is None


# --------------------------------------------------------------------------------------------
# §4.1 the X25519 key check, §4.8 complaint answers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("complaints.json")["key_checks"], ids=lambda v: v["name"])
def test_x25519_key_check_vector(v):
    assert ref.x25519_key_problem(hx(v["x25519"])) == v["reason"]


@pytest.mark.parametrize("v", load("complaints.json")["answers"], ids=lambda v: v["name"])
def test_complaint_answer_vector(v):
    ctx, i, j = hx(v["ctx"]), v["dealer"], v["complainant"]
    S, A1, A2, z = hx(v["S"]), hx(v["A1"]), hx(v["A2"]), hx(v["z"])
    assert ref.x25519_point(hx(v["dealer_x25519"])).hex() == v["P_i"]
    assert ref.x25519_point(hx(v["complainant_x25519"])).hex() == v["P_j"]
    ref.check_answer(ctx, i, j, hx(v["dealer_x25519"]), hx(v["complainant_x25519"]), S, A1, A2, z)
    signed = ref.H("complaint-answer-signature", ctx, ref.sc(i), ref.sc(j), S, A1, A2, z)
    assert signed.hex() == v["signed_digest"]
    assert ref.ed25519_verify(hx(v["dealer_ed25519"]), signed, hx(v["signature"]))
    deal = v["deal"]
    sealed = hx(deal["encrypted_shares"][str(j)])
    assert ref.open_with_shared_point(S, sealed).hex() == v["plaintext"]
    comms = [hx(c) for c in deal["commitments"]]
    at_fault, dealer_at_fault = ref.complaint_verdict(ctx, i, j, comms, sealed, S)
    assert (at_fault, dealer_at_fault) == (v["verdict"]["at_fault"], v["verdict"]["dealer_at_fault"])
    # an answer for the other complainant, or with z moved, proves nothing
    with pytest.raises(ref.Refused):
        ref.check_answer(ctx, i, 3, hx(v["dealer_x25519"]), hx(v["complainant_x25519"]), S, A1, A2, z)
    bad_z = ref.sc((ref.scalar(z) + 1) % ref.L)
    with pytest.raises(ref.Refused):
        ref.check_answer(ctx, i, j, hx(v["dealer_x25519"]), hx(v["complainant_x25519"]), S, A1, A2, bad_z)


# --------------------------------------------------------------------------------------------
# §10.2 DLEQ partials
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("dleq.json"), ids=lambda v: f"j{v['j']}")
def test_dleq_vector(v):
    j, x, R, ad = v["j"], ref.scalar(hx(v["x"])), hx(v["R"]), hx(v["ad"])
    assert ref.base_mul(x).hex() == v["Yj"]
    k = hx(v["k"])
    # The document does not name "k". Two readings: (1) k is the proof nonce rho of §10.2 itself;
    # (2) k is the "32 fresh random bytes" and rho = Hs("dleq-nonce", x_j, R, k). The vectors
    # match reading (1) only, so the dleq-nonce derivation has no vector.
    expected = v["D"] + v["c"] + v["z"]
    assert ref.partial_decrypt(j, x, R, ad, ref.scalar(k)).hex() == expected
    assert ref.partial_decrypt(j, x, R, ad, ref.dleq_nonce(x, R, k)).hex() != expected
    ref.check_partial(j, hx(v["Yj"]), R, ad, hx(expected))
    bad = bytearray(hx(expected))
    bad[40] ^= 1
    with pytest.raises(ref.Refused):
        ref.check_partial(j, hx(v["Yj"]), R, ad, bytes(bad))


# --------------------------------------------------------------------------------------------
# §6 sealing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("seal.json"), ids=lambda v: f"payload{len(v['payload']) // 2}")
def test_seal_vector(v):
    Y, ad, payload = hx(v["Y"]), hx(v["ad"]), hx(v["payload"])
    ct = ref.seal(Y, ad, payload, ref.scalar(hx(v["r"])), ref.scalar(hx(v["w"])), hx(v["nonce"]))
    assert len(ct) == 1160
    assert ct.hex() == v["ciphertext"]
    ref.check_ciphertext(Y, ad, ct)
    # the box opens with K = r·Y
    R = ct[:32]
    K = ref.smul(ref.scalar(hx(v["r"])), ref.decode_point(Y))
    assert ref.unpad(ref.secretbox_open(ref.kem_key(Y, R, K, ad), ct[96:])) == payload


def test_secretbox_matches_nacl():
    import nacl.secret

    key, nonce, msg = bytes(range(32)), bytes(range(24)), b"x" * 1024
    assert ref.secretbox_seal(key, nonce, msg) == bytes(nacl.secret.SecretBox(key).encrypt(msg, nonce))


def test_padding():
    assert ref.unpad(ref.pad(b"")) == b""
    assert len(ref.pad(b"a" * 1023)) == 1024
    with pytest.raises(ref.Refused):
        ref.pad(b"a" * 1024)
    with pytest.raises(ref.Refused):
        ref.unpad(b"\x00" * 1024)


# --------------------------------------------------------------------------------------------
# §10.5 combination
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("combine.json"), ids=lambda v: "partials" + "".join(sorted(v["partials"])))
def test_combine_vector(v):
    Y, ad, ct = hx(v["Y"]), hx(v["ad"]), hx(v["ciphertext"])
    ref.check_ciphertext(Y, ad, ct)
    partials = {int(j): hx(p) for j, p in v["partials"].items()}
    out = ref.combine(Y, ad, ct, partials)
    assert (out.hex() if out is not None else None) == v["payload"]


# --------------------------------------------------------------------------------------------
# §5.3 RFC 9474
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", load("rfc9474.json")["vectors"], ids=lambda v: v["name"])
def test_rfc9474_vector(v):
    n, e, d = (int(v[k], 16) for k in ("n", "e", "d"))
    assert int(v["p"], 16) * int(v["q"], 16) == n
    prepared = hx(v["msg_prefix"]) + hx(v["msg"])
    assert prepared.hex() == v["prepared_msg"]
    inv = int(v["inv"], 16)
    r = pow(inv, -1, n)
    blinded = ref.rsabssa_blind(n, e, prepared, hx(v["salt"]), r)
    assert blinded.hex() == v["blinded_msg"]
    blind_sig = ref.rsabssa_blind_sign(n, d, blinded)
    assert blind_sig.hex() == v["blind_sig"]
    sig = ref.rsabssa_finalize(n, e, prepared, blind_sig, inv)
    assert sig.hex() == v["sig"]
    assert ref.rsa_pss_verify(n, e, prepared, sig)
    assert not ref.rsa_pss_verify(n, e, prepared + b"x", sig)


@pytest.mark.parametrize("v", load("combine.json"), ids=lambda v: "subsets" + "".join(sorted(v["partials"])))
def test_combine_any_t_subset(v):
    """§10.5: any t partials give the same result; t is not in the vector, so find the smallest
    subset size that opens and check every subset of that size (and the t lowest) agrees."""
    import itertools

    Y, ad, ct = hx(v["Y"]), hx(v["ad"]), hx(v["ciphertext"])
    ps = {int(j): hx(p) for j, p in v["partials"].items()}
    for t in range(1, len(ps) + 1):
        outs = [ref.combine(Y, ad, ct, {j: ps[j] for j in S}) for S in itertools.combinations(sorted(ps), t)]
        if any(o is not None and o.hex() == v["payload"] for o in outs):
            assert all(o is not None and o.hex() == v["payload"] for o in outs)
            assert ref.combine(Y, ad, ct, ps, t=t).hex() == v["payload"]
            return
    pytest.fail("no subset opens the entry")


# --------------------------------------------------------------------------------------------
# §3 manifest (no vector holds a whole manifest: document examples and self-made cases only)
# --------------------------------------------------------------------------------------------


def test_doc_deadline_example():
    assert ref.deadline_time("2027-01-01T00:00:00Z") == 1798761600
    for bad in ("2027-02-29T00:00:00Z", "2027-01-01T00:00:60Z", "2027-01-01 00:00:00Z", "2027-01-01T00:00:00+00:00"):
        with pytest.raises(ref.Refused):
            ref.deadline_time(bad)


@pytest.mark.parametrize(
    "t,n,extra,ok_w",
    [(2, 3, 0, {2}), (3, 5, 2, set()), (3, 5, 1, set()), (3, 5, 0, {3}), (2, 4, 1, {3})],
)
def test_doc_cosigning_quorum_examples(t, n, extra, ok_w):
    n_w = n + extra
    assert {w for w in range(n_w + 2) if ref.cosigning_quorum_ok(t, n, n_w, w)} == ok_w


def _manifest():
    keys = [nacl.signing.SigningKey(bytes([i]) * 32).verify_key.encode().hex() for i in range(1, 5)]
    return {
        "v": 2,
        "id": "0123456789abcdef0123456789abcdef",
        "slug": "s",
        "title": "T",
        "pledge_text": "P",
        "conditions": [],
        "rule": {"min_total": 5, "min_per_lab": 5, "min_labs": 1},
        "labs": [
            {"slug": "a", "name": "A", "domains": ["a.example"], "token_public_key": "30"},
            {"slug": "b", "name": "B", "domains": ["b.example"], "token_public_key": "30"},
        ],
        "deadline": "2027-01-01T00:00:00Z",
        "t": 2,
        "n": 3,
        "trustees": [{"index": i, "name": f"T{i}", "ed25519": keys[i - 1], "x25519": "11" * 32} for i in (1, 2, 3)],
        "k": 5,
        "practice": False,
        "log_key": keys[3],
        "witnesses": [],
        "w": 2,
        "batch_interval": 3600,
        "reveal_window": 1209600,
    }


def test_manifest_reader_and_ctx():
    m = _manifest()
    ref.check_manifest(m)
    ctx = ref.manifest_ctx(m)
    assert ctx == ref.H("manifest", ref.canonical_json(m), n=32) and len(ctx) == 32
    m2 = dict(m, title="T.")
    assert ref.manifest_ctx(m2) != ctx


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m.update(extra=1),
        lambda m: m.update(v=1),
        lambda m: m.update(w=3),
        lambda m: m.update(k=1),
        lambda m: m.update(labs=list(reversed(m["labs"]))),
        lambda m: m["trustees"][0].update(index=2),
        lambda m: m["trustees"][1].update(ed25519=m["trustees"][0]["ed25519"]),
        lambda m: m.update(id=m["id"].upper()),
        lambda m: m["rule"].update(min_total=True),
        lambda m: m.update(title="\ud800"),
    ],
)
def test_manifest_refusals(mutate):
    m = _manifest()
    mutate(m)
    with pytest.raises(ref.Refused):
        ref.check_manifest(m)
        ref.manifest_ctx(m)


# --------------------------------------------------------------------------------------------
# §3.4 and §8.3 (no vector covers the lifecycle: logs built here from the rules' text)
# --------------------------------------------------------------------------------------------


def test_rule_holds():
    rule = {"min_total": 3, "min_per_lab": 2, "min_labs": 1}
    assert ref.rule_holds(rule, ["a", "b"], ["a", "a", "b"])
    assert not ref.rule_holds(rule, ["a", "b"], ["a", "b", "b"][:2])
    assert not ref.rule_holds(rule, ["a", "b", "c"], ["a", "b", "c"])
    zero = {"min_total": 1, "min_per_lab": 0, "min_labs": 0}
    assert ref.rule_holds(zero, ["a"], ["a"])
    assert not ref.rule_holds({"min_total": 0, "min_per_lab": 0, "min_labs": 1}, ["a"], ["a"] * 9)


DL, WIN = 10_000, 100


def _e(i):
    nul = hashlib.sha256(bytes([i])).digest()
    return ref.entry_leaf(bytes(32), nul, bytes(32), bytes(32))


def _w(i):
    return ref.withdrawal_leaf(hashlib.sha256(bytes([i])).digest(), bytes(64))


def _ev(name, **f):
    return ref.event_leaf(name, **f)


def _log(*batches):
    """batches: (timestamp, [leaf, ...]) -> (leaves, heads)."""
    leaves, heads = [], []
    for ts, lv in batches:
        leaves += lv
        heads.append((len(leaves), ts))
    return leaves, heads


def _happy():
    return [
        (1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0, 1])]),
        (2000, [_e(3), _ev("round-revealed", round=1, digest=bytes(32))]),
        (DL, [_ev("round-frozen", round=2, leaves=[3])]),
        (DL + 50, [_ev("round-revealed", round=2, digest=bytes(32)), _ev("closed")]),
        (DL + 60, [_ev("share-destroyed", trustee=1, signature=bytes(64))]),
    ]


def test_replay_happy_path():
    out = ref.replay(*_log(*_happy()), DL, WIN)
    assert out["outcome"] == "closed" and out["threshold_met"]
    assert [(r["number"], r["leaves"], r["status"]) for r in out["rounds"]] == [
        (1, [0, 1], "revealed"),
        (2, [3], "revealed"),
    ]


def test_replay_expired_and_abandoned():
    out = ref.replay(*_log((1000, [_e(0)]), (DL, [_ev("expired")])), DL, WIN)
    assert {k: out[k] for k in ("rounds", "threshold_met", "outcome")} == {
        "rounds": [], "threshold_met": False, "outcome": "expired"}
    b = [
        (1000, [_e(0), _ev("round-frozen", round=1, leaves=[0])]),
        (1000 + WIN, [_ev("round-abandoned", round=1)]),
        (DL, [_ev("signing-ended"), _ev("closed")]),
    ]
    out = ref.replay(*_log(*b), DL, WIN)
    assert out["outcome"] == "closed" and out["rounds"][0]["status"] == "abandoned"


@pytest.mark.parametrize(
    "rule,batches",
    [
        ("H2", [(1000, [_e(0)]), (1000, [])]),
        ("E1", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0]), _e(1)])]),
        ("E2", [(DL, [_ev("expired")]), (DL + 1, [_e(0)])]),
        ("E3", [(1000, [_e(0), _e(0)])]),
        ("E4", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0])]), (2000, [_w(0)])]),
        ("E4", [(1000, [_w(0)])]),
        ("V2", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[])])]),
        ("V2", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[2])])]),
        ("V2", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0])]),
                (DL, [_ev("round-frozen", round=2, leaves=[0])])]),
        ("V2", [(DL, [_e(0), _ev("round-frozen", round=1, leaves=[0])])]),
        ("V3", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0]), _ev("round-revealed", round=1, digest=bytes(32))])]),
        ("V3", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0])]), (1000 + WIN - 1, [_ev("round-abandoned", round=1)])]),
        ("V4", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0])]), (DL, [_ev("expired")])]),
        ("V4", [(DL - 1, [_ev("expired")])]),
        ("V5", [(1000, [_e(0), _ev("round-frozen", round=1, leaves=[0])]), (DL, [_ev("signing-ended"), _ev("closed")])]),
        ("V6", [(1000, [_ev("share-destroyed", trustee=1, signature=bytes(64))])]),
        ("V1", [(DL, [_ev("expired"), _ev("closed")])]),
        ("D1", [(1000, [_e(0)]), (DL, [])]),
    ],
)
def test_replay_refusals(rule, batches):
    with pytest.raises(ref.Refused, match=rule):
        ref.replay(*_log(*batches), DL, WIN)


# --- §8.8 statements and condition leaves, §8.3 V7 taken-down ----------------------------------


def _s(i, seq, stance):
    return ref.statement_leaf(hashlib.sha256(bytes([i])).digest(), seq, stance, bytes(64))


def _c(lab="a", condition=1, date="1970-01-01"):
    return ref.condition_leaf(condition, lab, "met", date, "", "")


def _revealed():
    return [
        (1000, [_e(0), _e(1), _e(2), _ev("round-frozen", round=1, leaves=[0, 1])]),
        (2000, [_ev("round-revealed", round=1, digest=bytes(32))]),
    ]


def test_replay_statements_and_conditions():
    b = _revealed() + [
        (3000, [_s(0, 0, "withholding"), _s(1, 0, "withholding"), _c("a", 2)]),
        (4000, [_s(0, 1, "stopped"), _c("b", 1)]),
    ]
    out = ref.replay(*_log(*b), DL, WIN, conditions=2, labs={"a", "b"})
    assert out["outcome"] == "revealed"
    assert out["withholding"] == [hashlib.sha256(bytes([1])).hexdigest()]
    assert [(pos, ts, o["lab"]) for pos, ts, o in out["conditions"]] == [(7, 3000, "a"), (9, 4000, "b")]
    # After the close, and after the deadline event, both kinds are still allowed (A2)
    b2 = _revealed() + [(DL, [_ev("signing-ended"), _ev("closed")]), (DL + 1, [_s(0, 0, "withholding"), _c()])]
    assert ref.replay(*_log(*b2), DL, WIN)["outcome"] == "closed"


def test_replay_taken_down():
    b = [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0, 1])]),
         (1001, [_ev("taken-down")]),
         (DL + 5, [_ev("share-destroyed", trustee=1, signature=bytes(64))])]
    out = ref.replay(*_log(*b), DL, WIN)
    assert out["outcome"] == "taken-down" and out["rounds"][0]["status"] == "abandoned"
    # after a reveal, the revealed round stays revealed
    out = ref.replay(*_log(*_revealed(), (3000, [_ev("taken-down")])), DL, WIN)
    assert out["outcome"] == "taken-down" and out["rounds"][0]["status"] == "revealed"


@pytest.mark.parametrize(
    "rule,batches,manifest",
    [
        ("A1", _revealed() + [(3000, [_ev("taken-down"), _s(0, 0, "withholding")])], {}),
        ("A1", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0, 1])]),
                (2000, [_ev("round-revealed", round=1, digest=bytes(32)), _c()])], {}),
        ("A2", _revealed() + [(3000, [_ev("taken-down")]), (4000, [_s(0, 0, "withholding")])], {}),
        ("A3", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0, 1])]), (2000, [_c()])], {}),
        ("A3", [(1000, [_e(0), _e(1), _ev("round-frozen", round=1, leaves=[0, 1])]),
                (2000, [_s(0, 0, "withholding"), _ev("round-revealed", round=1, digest=bytes(32))])], {}),
        ("S1", _revealed() + [(3000, [_s(2, 0, "withholding")])], {}),
        ("S2", _revealed() + [(3000, [_s(0, 1, "withholding")])], {}),
        ("S2", _revealed() + [(3000, [_s(0, 0, "withholding")]), (4000, [_s(0, 1, "stopped")]),
                              (5000, [_s(0, 1, "withholding")])], {}),
        ("S3", _revealed() + [(3000, [_s(0, 0, "stopped")])], {}),
        ("S3", _revealed() + [(3000, [_s(0, 0, "withholding"), _s(0, 1, "withholding")])], {}),
        ("C1", _revealed() + [(3000, [_c("z")])], {"labs": {"a"}}),
        ("C1", _revealed() + [(3000, [_c("a", 3)])], {"conditions": 2}),
        ("C2", _revealed() + [(3000, [_c(date="1970-01-02")])], {}),
        ("V1", _revealed() + [(3000, [_ev("taken-down")]), (4000, [_ev("closed")])], {}),
        ("V1", _revealed() + [(DL, [_ev("signing-ended"), _ev("closed")]), (DL + 1, [_ev("taken-down")])], {}),
        ("E2", [(1000, [_e(0), _ev("taken-down")]), (2000, [_e(1)])], {}),
    ],
)
def test_replay_after_reveal_refusals(rule, batches, manifest):
    with pytest.raises(ref.Refused, match=rule):
        ref.replay(*_log(*batches), DL, WIN, **manifest)
