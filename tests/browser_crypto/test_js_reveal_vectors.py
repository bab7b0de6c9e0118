"""The browser twin's reveal (docs/protocol.md §10) agrees with crypto/reveal.py, in Chromium.

The browser never holds a share: it checks trustees' posted partials, combines a quorum and
opens the box, as anyone may. ``PledgeCrypto.partialDecrypt`` exists only so that the JS side
can reproduce ``dleq.json`` byte for byte (and make partials for these tests).

Each test runs in one ``page.evaluate`` under the strict CSP page of ``conftest.py``; JS
failures come back as ``"PledgeCryptoError: message"`` strings so that the reason is checked.
"""

from __future__ import annotations

import functools
import itertools

import pytest
from nacl.secret import SecretBox

from crypto import group, reveal
from crypto import seal as py_seal
from crypto.errors import CryptoError, DecryptionError, InvalidProof
from tests.browser_crypto.kit import load_vectors
from tests.crypto import edwards
from tests.crypto.helpers import quick_shares, scalar, seeded_random

PROOF_FAILS = "PledgeCryptoError: partial decryption proof does not verify"
BOX_FAILS = "PledgeCryptoError: the box does not open with this key"

# Calls a function on the page and returns its result, or the error as "name: message".
ATTEMPT = (
    "const attempt = (f) => { try { return f(); } "
    "catch (e) { return `${e.name}: ${e.message}`; } };"
)

# t for each combine.json vector, keyed by its quorum (tests/vectors/generate.py COMBINE_CASES).
COMBINE_THRESHOLDS = {(1,): 1, (2, 3): 2, (1, 3, 5): 3, (2, 3, 4, 5): 3}


def _py_outcome(call) -> str:
    """Run a Python call; its hex result, or the name of the CryptoError it raised."""
    try:
        return call().hex()
    except CryptoError as exc:
        return type(exc).__name__


def _torsion_point() -> bytes:
    """A point of order 8 (small order: never a valid group element)."""
    return next(p for p in edwards.torsion_points() if edwards.mul(4, edwards.decode(p)) != (0, 1))


def _torsioned(point: bytes) -> bytes:
    """``point`` plus a point of order 8: on the curve, but not in the prime-order subgroup."""
    return edwards.encode(edwards.add(edwards.decode(point), edwards.decode(_torsion_point())))


# --- dleq.json -----------------------------------------------------------------------------


def test_dleq_vectors_are_reproduced_from_x_and_k_and_verify(crypto_page):
    vectors = load_vectors("dleq.json")
    assert vectors
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const partial = P.partialDecrypt(v.j, h(v.x), h(v.Yj), h(v.R), h(v.ad), h(v.k));
            const posted = h(v.D + v.c + v.z);
            const parsed = P.parsePartial(posted);
            return {
                partial: x(partial),
                D: x(P.verifyPartial(v.j, h(v.Yj), h(v.R), h(v.ad), posted)),
                parsed: [x(parsed.D), x(parsed.c), x(parsed.z)],
            };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result == {
            "partial": vector["D"] + vector["c"] + vector["z"],
            "D": vector["D"],
            "parsed": [vector["D"], vector["c"], vector["z"]],
        }, vector
        # And the Python side still agrees with its own vectors.
        args = [bytes.fromhex(vector[k]) for k in ("x", "Yj", "R", "ad")]
        assert reveal.partial_decrypt(
            vector["j"], *args, k=bytes.fromhex(vector["k"])
        ).hex() == result["partial"]


def _tampered_cases(vectors: list[dict]) -> list[dict]:
    """For each dleq vector, partials or contexts altered one way each: name, expected reason."""
    cases = []
    for number, v in enumerate(vectors):
        other = vectors[(number + 1) % len(vectors)]
        j, Yj, R, ad = v["j"], bytes.fromhex(v["Yj"]), bytes.fromhex(v["R"]), bytes.fromhex(v["ad"])
        D, c, z = (bytes.fromhex(v[k]) for k in ("D", "c", "z"))
        flipped_ad = bytes([ad[0] ^ 1]) + ad[1:]
        base = {"j": j, "Yj": Yj, "R": R, "ad": ad, "partial": D + c + z}
        proof = {  # well formed, but the proof equation fails
            "c+1": {"partial": D + group.scalar_add(c, group.ONE) + z},
            "z+1": {"partial": D + c + group.scalar_add(z, group.ONE)},
            "c,z swapped": {"partial": D + z + c},
            "other D": {"partial": group.scalarmult(scalar(99), R) + c + z},
            "j+1": {"j": j + 1},
            "ad flipped": {"ad": flipped_ad},
            "ad truncated": {"ad": ad[:-1]},
            "other Yj": {"Yj": bytes.fromhex(other["Yj"])},
            "R of another entry": {"R": bytes.fromhex(other["R"])},
        }
        malformed = {  # refused before the proof is evaluated
            "c >= L": {"partial": D + group.L.to_bytes(32, "little") + z},
            "z >= L": {"partial": D + c + (group.L + 5).to_bytes(32, "little")},
            "D identity": {"partial": group.IDENTITY + c + z},
            "D small order": {"partial": _torsion_point() + c + z},
            "D torsioned": {"partial": _torsioned(D) + c + z},
            "D non-canonical": {"partial": edwards.noncanonical_encodings()[2] + c + z},
            "partial short": {"partial": (D + c + z)[:-1]},
            "partial long": {"partial": D + c + z + b"\x00"},
            "Yj torsioned": {"Yj": _torsioned(Yj)},
            "R small order": {"R": _torsion_point()},
        }
        for kind, changes in (("proof", proof), ("malformed", malformed)):
            for name, change in changes.items():
                case = {**base, **change}
                cases.append({"vector": number, "name": name, "kind": kind,
                              **{k: (val.hex() if isinstance(val, bytes) else val)
                                 for k, val in case.items()}})
    return cases


def test_tampered_dleq_partials_fail_in_both_implementations_for_the_right_reason(crypto_page):
    cases = _tampered_cases(load_vectors("dleq.json"))
    outcomes = crypto_page.run(
        "(cs) => { " + ATTEMPT + """
            return cs.map((c) => attempt(
                () => x(P.verifyPartial(c.j, h(c.Yj), h(c.R), h(c.ad), h(c.partial)))));
        }""",
        cases,
    )
    for case, outcome in zip(cases, outcomes, strict=True):
        label = f"vector {case['vector']}: {case['name']}"
        args = [bytes.fromhex(case[k]) for k in ("Yj", "R", "ad", "partial")]
        python = _py_outcome(lambda: reveal.verify_partial(case["j"], *args))  # noqa: B023
        if case["kind"] == "proof":
            assert outcome == PROOF_FAILS, label
            assert python == InvalidProof.__name__, label
        else:
            assert outcome.startswith("PledgeCryptoError: "), label
            assert outcome != PROOF_FAILS, label
            assert python in {"EncodingError", "InvalidPoint", "InvalidScalar"}, label


def test_verify_partial_refuses_bad_argument_types(crypto_page):
    v = load_vectors("dleq.json")[0]
    outcomes = crypto_page.run(
        "(v) => { " + ATTEMPT + """
            const ok = (j, Yj, R, ad, p) => attempt(() => x(P.verifyPartial(j, Yj, R, ad, p)));
            const Yj = h(v.Yj), R = h(v.R), ad = h(v.ad), p = h(v.D + v.c + v.z);
            return [
                ok(v.j, Yj, R, ad, p),
                ok(String(v.j), Yj, R, ad, p),
                ok(v.j + 0.5, Yj, R, ad, p),
                ok(-1, Yj, R, ad, p),
                ok(v.j, v.Yj, R, ad, p),
                ok(v.j, Yj, R, v.ad, p),
                ok(v.j, Yj, R, ad, Array.from(p)),
                ok(BigInt(v.j), Yj, R, ad, p),
            ];
        }""",
        v,
    )
    assert outcomes[0] == outcomes[-1] == v["D"]
    for outcome in outcomes[1:-1]:
        assert outcome.startswith("PledgeCryptoError: ")


def test_partial_decrypt_refuses_zero_or_non_canonical_secrets(crypto_page):
    v = load_vectors("dleq.json")[0]
    outcomes = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            const v = a.v;
            const pd = (xx, k) => attempt(
                () => x(P.partialDecrypt(v.j, h(xx), h(v.Yj), h(v.R), h(v.ad), h(k))));
            return [pd(a.zero, v.k), pd(v.x, a.zero), pd(a.big, v.k), pd(v.x, a.big)];
        }""",
        {"v": v, "zero": group.ZERO.hex(), "big": group.L.to_bytes(32, "little").hex()},
    )
    assert all(o.startswith("PledgeCryptoError: ") for o in outcomes), outcomes


# --- combine.json --------------------------------------------------------------------------


def test_combine_vectors_combine_and_open_to_exactly_the_payload(crypto_page):
    vectors = load_vectors("combine.json")
    assert vectors
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const partials = {};
            for (const [j, D] of Object.entries(v.partials)) partials[j] = h(D);
            const K = P.combine(partials);
            const lambdas = P.lagrangeAtZero(Object.keys(v.partials).map(Number));
            const asMap = new Map(Object.entries(partials).map(([j, D]) => [Number(j), D]));
            return {
                K: x(K),
                lambdas: Object.fromEntries(Object.entries(lambdas).map(([j, l]) => [j, x(l)])),
                opened: x(P.openCiphertext(h(v.Y), h(v.ad), h(v.ciphertext), K)),
                decrypted: x(P.decrypt(h(v.Y), h(v.ad), h(v.ciphertext), partials)),
                fromMap: x(P.decrypt(h(v.Y), h(v.ad), h(v.ciphertext), asMap)),
            };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        partials = {int(j): bytes.fromhex(D) for j, D in vector["partials"].items()}
        assert result["K"] == reveal.combine(partials).hex()
        assert result["lambdas"] == {
            str(j): lam.hex() for j, lam in reveal.lagrange_at_zero(partials).items()
        }
        assert result["opened"] == result["decrypted"] == result["fromMap"] == vector["payload"]


def _subsets(indices: list[str]) -> list[list[str]]:
    sizes = range(len(indices) + 1)
    return [list(s) for size in sizes for s in itertools.combinations(indices, size)]


def test_combine_vectors_open_with_any_t_partials_and_never_with_fewer(crypto_page):
    vectors = load_vectors("combine.json")
    cases = []
    for number, v in enumerate(vectors):
        quorum = tuple(sorted(int(j) for j in v["partials"]))
        t = COMBINE_THRESHOLDS[quorum]
        for subset in _subsets(sorted(v["partials"], key=int)):
            cases.append({"vector": number, "t": t, "subset": subset})
    outcomes = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            return a.cases.map((c) => {
                const v = a.vectors[c.vector];
                const partials = Object.fromEntries(c.subset.map((j) => [j, h(v.partials[j])]));
                return attempt(() => x(P.decrypt(h(v.Y), h(v.ad), h(v.ciphertext), partials)));
            });
        }""",
        {"vectors": vectors, "cases": cases},
    )
    below = 0
    for case, outcome in zip(cases, outcomes, strict=True):
        v = vectors[case["vector"]]
        partials = {int(j): bytes.fromhex(v["partials"][j]) for j in case["subset"]}
        python = _py_outcome(functools.partial(
            reveal.decrypt, bytes.fromhex(v["Y"]), bytes.fromhex(v["ad"]), bytes.fromhex(v["ciphertext"]), partials,
        ))
        label = f"vector {case['vector']}, partials {case['subset']}"
        if len(case["subset"]) >= case["t"]:
            assert outcome == python == v["payload"], label
        elif case["subset"]:  # t-1 or fewer: the wrong K, so the box stays shut
            below += 1
            assert outcome == BOX_FAILS, label
            assert python == DecryptionError.__name__, label
        else:  # no partials at all: not a quorum
            assert outcome.startswith("PledgeCryptoError: ") and outcome != BOX_FAILS, label
            assert python == "InvalidScalar", label
    assert below > 0


def test_combine_refuses_bad_partials_and_quorums(crypto_page):
    v = next(v for v in load_vectors("combine.json") if len(v["partials"]) >= 2)
    j1, j2 = sorted(v["partials"], key=int)[:2]
    D1, D2 = (bytes.fromhex(v["partials"][j]) for j in (j1, j2))
    bad = {
        "identity": {j1: group.IDENTITY.hex(), j2: D2.hex()},
        "small order": {j1: _torsion_point().hex(), j2: D2.hex()},
        "torsioned": {j1: _torsioned(D1).hex(), j2: D2.hex()},
        "short": {j1: D1[:31].hex(), j2: D2.hex()},
        "index 0": {"0": D1.hex(), j2: D2.hex()},
        "index 01": {"0" + j1: D1.hex(), j2: D2.hex()},
        "index -1": {"-1": D1.hex(), j2: D2.hex()},
        "empty": {},
    }
    outcomes = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            const v = a.v;
            const open = (ps) => attempt(() => x(P.decrypt(h(v.Y), h(v.ad), h(v.ciphertext), ps)));
            const bytesOf = (o) => Object.fromEntries(Object.entries(o).map(([j, D]) => [j, h(D)]));
            const out = {};
            for (const [name, ps] of Object.entries(a.bad)) out[name] = open(bytesOf(ps));
            const D = h(a.D1);
            out['duplicate index'] = open(new Map([[1, D], [1n, D]]));
            out['array'] = open([D, D]);
            out['null'] = open(null);
            out['D not bytes'] = open({ 1: a.D1 });
            return out;
        }""",
        {"v": v, "bad": bad, "D1": D1.hex()},
    )
    assert set(outcomes) == {*bad, "duplicate index", "array", "null", "D not bytes"}
    for name, outcome in outcomes.items():
        assert outcome.startswith("PledgeCryptoError: ") and outcome != BOX_FAILS, name
    # Python refuses the same partials (those a Python dict can express).
    for name in ("identity", "small order", "torsioned", "short", "index 0", "index -1", "empty"):
        partials = {int(j): bytes.fromhex(D) for j, D in bad[name].items()}
        with pytest.raises(CryptoError):
            reveal.combine(partials)


def test_a_wrong_partial_or_tampered_ciphertext_does_not_open(crypto_page):
    v = next(v for v in load_vectors("combine.json") if len(v["partials"]) >= 2)
    j1 = sorted(v["partials"], key=int)[0]
    ct = bytes.fromhex(v["ciphertext"])
    other_D = group.scalarmult(scalar(7), ct[:32]).hex()  # a valid point, but not x_j·R
    outcomes = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            const v = a.v, Y = h(v.Y), ad = h(v.ad), ct = h(v.ciphertext);
            const partials = Object.fromEntries(
                Object.entries(v.partials).map(([j, D]) => [j, h(D)]));
            const flip = (b, i) => { const c = b.slice(); c[i] ^= 1; return c; };
            const K = P.combine(partials);
            return {
                'wrong D': attempt(
                    () => x(P.decrypt(Y, ad, ct, { ...partials, [a.j1]: h(a.other) }))),
                'box byte': attempt(() => x(P.openCiphertext(Y, ad, flip(ct, 600), K))),
                'nonce byte': attempt(() => x(P.openCiphertext(Y, ad, flip(ct, 100), K))),
                'wrong ad': attempt(() => x(P.openCiphertext(Y, flip(ad, 0), ct, K))),
                'wrong Y': attempt(() => x(P.openCiphertext(flip(Y, 3), ad, ct, K))),
                'wrong K': attempt(() => x(P.openCiphertext(Y, ad, ct, flip(K, 0)))),
                'short ct': attempt(() => x(P.openCiphertext(Y, ad, ct.slice(0, 1159), K))),
                'bad R': attempt(() => {
                    const c = ct.slice(); c.set(h(a.smallOrder), 0);
                    return x(P.openCiphertext(Y, ad, c, K));
                }),
            };
        }""",
        {"v": v, "j1": j1, "other": other_D, "smallOrder": _torsion_point().hex()},
    )
    for name in ("wrong D", "box byte", "nonce byte", "wrong ad", "wrong Y", "wrong K"):
        assert outcomes[name] == BOX_FAILS, name
    for name in ("short ct", "bad R"):
        assert outcomes[name].startswith("PledgeCryptoError: ") and outcomes[name] != BOX_FAILS


def test_open_refuses_bad_padding_that_the_box_authenticates(crypto_page):
    # A box that opens (the right key) around a padded block with no 0x80 marker.
    rng = seeded_random("js-reveal/padding")
    Y, _ = quick_shares(1, 1, rng)  # one trustee holding the whole key
    ad, nonce, r = rng(64), rng(24), group.random_scalar(rng)
    R, K = group.scalarmult_base(r), group.scalarmult(r, Y)
    box = bytes(SecretBox(py_seal.kem_key(Y, R, K, ad)).encrypt(bytes(1024), nonce))
    ct = R + scalar(1) + scalar(2) + box
    outcome = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            return attempt(() => x(P.openCiphertext(h(a.Y), h(a.ad), h(a.ct), h(a.K))));
        }""",
        {"Y": Y.hex(), "ad": ad.hex(), "ct": ct.hex(), "K": K.hex()},
    )
    assert outcome == "PledgeCryptoError: bad padding"
    with pytest.raises(CryptoError):
        reveal.open_ciphertext(Y, ad, ct, K)


# --- Lagrange coefficients -----------------------------------------------------------------


@pytest.mark.parametrize(
    "quorum", [(1,), (1, 2), (5, 2, 3), (1, 2, 3, 4, 5), (7, 100, 255, 65536, 2**40)]
)
def test_lagrange_coefficients_agree_and_sum_to_one(crypto_page, quorum):
    js = crypto_page.run(
        """(q) => Object.fromEntries(
            Object.entries(P.lagrangeAtZero(q)).map(([j, l]) => [j, x(l)]))""",
        list(quorum),
    )
    python = reveal.lagrange_at_zero(quorum)
    assert list(js) == [str(j) for j in sorted(quorum)]
    assert js == {str(j): lam.hex() for j, lam in python.items()}
    assert sum(int.from_bytes(bytes.fromhex(lam), "little") for lam in js.values()) % group.L == 1


def test_lagrange_refuses_what_python_refuses(crypto_page):
    quorums = [[], [1, 1], [0, 2], [-1, 2], [1.5, 2], ["1", "2"], [3, 2, 3]]
    outcomes = crypto_page.run(
        "(qs) => { " + ATTEMPT + """
            const out = qs.map((q) => attempt(() => P.lagrangeAtZero(q)));
            out.push(attempt(() => P.lagrangeAtZero([1, 1n])));
            out.push(attempt(() => P.lagrangeAtZero('12')));
            return out;
        }""",
        quorums,
    )
    assert len(outcomes) == len(quorums) + 2
    for outcome in outcomes:
        assert isinstance(outcome, str) and outcome.startswith("PledgeCryptoError: "), outcome
    for quorum in quorums:
        if any(isinstance(j, str) for j in quorum):
            continue  # Python's reveal.lagrange_at_zero takes ints only (str fails its min() < 1)
        with pytest.raises(CryptoError):
            reveal.lagrange_at_zero(quorum)  # type: ignore[arg-type]


# --- interoperation: partials made on one side verify on the other -------------------------


@pytest.fixture(scope="module")
def board() -> dict:
    """A 3-of-5 joint key, its verification keys, and two entries sealed by Python."""
    rng = seeded_random("js-reveal/board")
    Y, shares = quick_shares(3, 5, rng)
    Yj = {j: group.scalarmult_base(x) for j, x in shares.items()}
    statement = "Not before the audit. \U0001f512"
    payload = py_seal.encode_payload("Zoë", "Researcher", statement, "name")
    entries = []
    for _ in range(2):
        ad = rng(64)
        entries.append({"ad": ad, "ct": py_seal.seal(Y, ad, payload, random_bytes=rng)})
    return {"Y": Y, "shares": shares, "Yj": Yj, "payload": payload, "entries": entries}


def test_python_partials_verify_and_open_in_the_browser(crypto_page, board):
    entry = board["entries"][0]
    R, ad = entry["ct"][:32], entry["ad"]
    rng = seeded_random("js-reveal/python-partials")
    posted = {
        j: reveal.partial_decrypt(j, x, board["Yj"][j], R, ad, random_bytes=rng)
        for j, x in board["shares"].items()
    }
    result = crypto_page.run(
        "(a) => { " + ATTEMPT + """
            const R = h(a.ct).slice(0, 32), ad = h(a.ad);
            const D = {};
            for (const [j, p] of Object.entries(a.posted)) {
                D[j] = P.verifyPartial(Number(j), h(a.Yj[j]), R, ad, h(p));
            }
            const pick = (js) => Object.fromEntries(js.map((j) => [j, D[j]]));
            const other = h(a.otherCt).slice(0, 32);
            return {
                D: Object.fromEntries(Object.entries(D).map(([j, d]) => [j, x(d)])),
                q135: x(P.decrypt(h(a.Y), ad, h(a.ct), pick(['1', '3', '5']))),
                q2345: x(P.decrypt(h(a.Y), ad, h(a.ct), pick(['2', '3', '4', '5']))),
                q24: attempt(() => x(P.decrypt(h(a.Y), ad, h(a.ct), pick(['2', '4'])))),
                // a partial for this entry is refused for another entry (R copied) or index
                otherR: attempt(() => P.verifyPartial(1, h(a.Yj['1']), other, ad,
                                                      h(a.posted['1']))),
                otherAd: attempt(() => P.verifyPartial(1, h(a.Yj['1']), R, h(a.otherAd),
                                                       h(a.posted['1']))),
                otherJ: attempt(() => P.verifyPartial(2, h(a.Yj['2']), R, ad, h(a.posted['1']))),
            };
        }""",
        {
            "Y": board["Y"].hex(), "ad": ad.hex(), "ct": entry["ct"].hex(),
            "Yj": {str(j): k.hex() for j, k in board["Yj"].items()},
            "posted": {str(j): p.hex() for j, p in posted.items()},
            "otherCt": board["entries"][1]["ct"].hex(),
            "otherAd": board["entries"][1]["ad"].hex(),
        },
    )
    assert result == {
        "D": {str(j): p[:32].hex() for j, p in posted.items()},
        "q135": board["payload"].hex(),
        "q2345": board["payload"].hex(),
        "q24": BOX_FAILS,
        "otherR": PROOF_FAILS,
        "otherAd": PROOF_FAILS,
        "otherJ": PROOF_FAILS,
    }


def test_browser_partials_verify_and_open_in_python(crypto_page, board):
    entry = board["entries"][1]
    R, ad = entry["ct"][:32], entry["ad"]
    k = group.random_scalar(seeded_random("js-reveal/k"))
    made = crypto_page.run(
        """(a) => {
            const R = h(a.ct).slice(0, 32), ad = h(a.ad), out = {};
            for (const [j, xj] of Object.entries(a.shares)) {
                const Yj = h(a.Yj[j]);
                out[j] = {
                    hedged: x(P.partialDecrypt(Number(j), h(xj), Yj, R, ad)),
                    again: x(P.partialDecrypt(Number(j), h(xj), Yj, R, ad)),
                    fixed: x(P.partialDecrypt(Number(j), h(xj), Yj, R, ad, h(a.k))),
                };
            }
            return out;
        }""",
        {
            "ad": ad.hex(), "ct": entry["ct"].hex(), "k": k.hex(),
            "shares": {str(j): x.hex() for j, x in board["shares"].items()},
            "Yj": {str(j): key.hex() for j, key in board["Yj"].items()},
        },
    )
    verified = {}
    for j, x in board["shares"].items():
        hedged, again, fixed = (
            bytes.fromhex(made[str(j)][key]) for key in ("hedged", "again", "fixed")
        )
        # The default nonce is fresh randomness hashed with x and R: same D, a different proof.
        assert hedged[:32] == again[:32] == fixed[:32] == group.scalarmult(x, R)
        assert hedged[32:] != again[32:]
        # With the same k the two implementations give the same 96 bytes.
        assert fixed == reveal.partial_decrypt(j, x, board["Yj"][j], R, ad, k=k)
        for partial in (hedged, again, fixed):
            verified[j] = reveal.verify_partial(j, board["Yj"][j], R, ad, partial)
        with pytest.raises(InvalidProof):  # bound to the entry: not valid for another R
            reveal.verify_partial(j, board["Yj"][j], board["entries"][0]["ct"][:32], ad, hedged)
    for quorum in ((1, 2, 3), (3, 4, 5), (1, 2, 3, 4, 5)):
        opened = reveal.decrypt(board["Y"], ad, entry["ct"], {j: verified[j] for j in quorum})
        assert opened == board["payload"]
    with pytest.raises(DecryptionError):
        reveal.decrypt(board["Y"], ad, entry["ct"], {j: verified[j] for j in (1, 5)})


def test_browser_seals_python_trustees_decrypt_and_the_browser_redoes_the_reveal(
    crypto_page, board
):
    payload = {"v": py_seal.PAYLOAD_VERSION, "name": "Ada", "role": "RS", "statement": "Only with audits.",
               "display": "anonymous"}
    ad = seeded_random("js-reveal/browser-seal")(64)
    ct = bytes.fromhex(crypto_page.run(
        "(a) => x(P.seal(h(a.Y), h(a.ad), a.payload))",
        {"Y": board["Y"].hex(), "ad": ad.hex(), "payload": payload},
    ))
    R = py_seal.check_ciphertext(board["Y"], ad, ct).R
    posted = {j: reveal.partial_decrypt(j, board["shares"][j], board["Yj"][j], R, ad)
              for j in (2, 4, 5)}
    opened = crypto_page.run(
        """(a) => {
            const ct = h(a.ct), R = ct.slice(0, 32), ad = h(a.ad), D = {};
            if (!P.checkCiphertext(h(a.Y), ad, ct)) return 'check failed';
            for (const [j, p] of Object.entries(a.posted)) {
                D[j] = P.verifyPartial(Number(j), h(a.Yj[j]), R, ad, h(p));
            }
            return x(P.decrypt(h(a.Y), ad, ct, D));
        }""",
        {
            "Y": board["Y"].hex(), "ad": ad.hex(), "ct": ct.hex(),
            "Yj": {str(j): board["Yj"][j].hex() for j in posted},
            "posted": {str(j): p.hex() for j, p in posted.items()},
        },
    )
    assert bytes.fromhex(opened) == py_seal.encode_payload(
        payload["name"], payload["role"], payload["statement"], payload["display"]
    )
    assert crypto_page.violations() == []
