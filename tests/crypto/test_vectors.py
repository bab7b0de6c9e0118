"""The committed vectors: the library reproduces each byte for byte, and so does a slow
independent re-derivation with Python integers and the pure-Python curve in ``edwards.py``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from nacl.secret import SecretBox

from crypto import dkg, group, reveal, seal
from crypto.hashing import H, u64le
from tests.vectors import generate

from . import edwards

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
L = group.L


def load(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def b(value: str) -> bytes:
    return bytes.fromhex(value)


def num(value: str | bytes) -> int:
    return int.from_bytes(b(value) if isinstance(value, str) else value, "little")


def ref_mul(k: int, point: bytes | None = None) -> bytes:
    """k·P (P = G by default) on the reference curve."""
    return edwards.encode(edwards.mul(k % L, edwards.decode(point or group.G)))


def ref_Hs(tag: str, *parts: bytes) -> int:
    data = b"".join(u64le(len(p)) + p for p in parts)
    key = b"pledge/v2/" + tag.encode()
    return int.from_bytes(hashlib.blake2b(data, key=key, digest_size=64).digest(), "little") % L


@pytest.mark.parametrize("name", list(generate.FAMILIES))
def test_vector_files_are_up_to_date(name):
    assert (VECTORS / name).read_text(encoding="utf-8") == generate.render(
        generate.FAMILIES[name]()
    )


def test_hash_vectors():
    vectors = load("hash.json")
    assert len(vectors) >= 5
    for v in vectors:
        parts = [b(p) for p in v["parts"]]
        assert H(v["tag"], *parts, n=v["n"]).hex() == v["out"]
        data = b"".join(u64le(len(p)) + p for p in parts)
        key = b"pledge/v2/" + v["tag"].encode()
        assert hashlib.blake2b(data, key=key, digest_size=v["n"]).hexdigest() == v["out"]


def test_dkg_vectors():
    vectors = load("dkg.json")
    assert {(v["t"], v["n"]) for v in vectors} >= {(1, 1), (2, 3), (3, 5)}
    for v in vectors:
        coefficients = {int(i): [b(a) for a in c] for i, c in v["coefficients"].items()}
        commitments = {i: dkg.commit(a) for i, a in coefficients.items()}
        assert {str(i): [c.hex() for c in cs] for i, cs in commitments.items()} == (
            v["commitments"]
        )
        for j in range(1, v["n"] + 1):
            share = dkg.combine_shares(dkg.evaluate(a, j) for a in coefficients.values())
            assert share.hex() == v["shares"][str(j)]
            ref = sum(num(a) * j**k for c in coefficients.values() for k, a in enumerate(c)) % L
            assert ref == num(v["shares"][str(j)])
            assert ref_mul(ref).hex() == v["verification_keys"][str(j)]
        assert dkg.group_key(commitments).hex() == v["Y"]
        assert {str(j): y.hex() for j, y in dkg.verification_keys(commitments).items()} == (
            v["verification_keys"]
        )


def test_seal_vectors():
    vectors = load("seal.json")
    assert any(len(b(v["payload"])) == seal.MAX_PAYLOAD_BYTES for v in vectors)
    for v in vectors:
        Y, ad, payload = b(v["Y"]), b(v["ad"]), b(v["payload"])
        ciphertext = seal.seal(Y, ad, payload, r=b(v["r"]), w=b(v["w"]), nonce=b(v["nonce"]))
        assert ciphertext.hex() == v["ciphertext"]
        seal.check_ciphertext(Y, ad, ciphertext)
        assert reference_seal(v) == ciphertext


def reference_seal(v: dict) -> bytes:
    """docs/protocol.md §6 re-derived with Python integers and the reference curve."""
    Y, ad, r, w = b(v["Y"]), b(v["ad"]), num(v["r"]), num(v["w"])
    R, K = ref_mul(r), ref_mul(r, Y)
    key = hashlib.blake2b(
        b"".join(u64le(len(p)) + p for p in (Y, R, K, ad)), key=b"pledge/v2/kem", digest_size=32
    ).digest()
    padded = b(v["payload"]) + b"\x80" + bytes(1023 - len(b(v["payload"])))
    box = bytes(SecretBox(key).encrypt(padded, b(v["nonce"])))
    e = ref_Hs("ct-pok", Y, R, ref_mul(w), ad, box)
    s = (w + e * r) % L
    return R + e.to_bytes(32, "little") + s.to_bytes(32, "little") + box


def test_dleq_vectors():
    for v in load("dleq.json"):
        x, Yj, R, ad, k = (b(v[key]) for key in ("x", "Yj", "R", "ad", "k"))
        partial = reveal.partial_decrypt(v["j"], x, Yj, R, ad, k=k)
        assert (partial[:32].hex(), partial[32:64].hex(), partial[64:].hex()) == (
            v["D"], v["c"], v["z"]
        )
        assert reveal.verify_partial(v["j"], Yj, R, ad, partial).hex() == v["D"]
        # reference: D = x·R, c = Hs("dleq", sc(j), Yj, R, D, k·G, k·R, ad), z = k + c·x
        assert ref_mul(num(x)) == Yj and ref_mul(num(x), R).hex() == v["D"]
        c = ref_Hs("dleq", group.sc(v["j"]), Yj, R, b(v["D"]), ref_mul(num(k)), ref_mul(num(k), R),
                   ad)
        assert c == num(v["c"]) and (num(k) + c * num(x)) % L == num(v["z"])


def test_combine_vectors():
    vectors = load("combine.json")
    assert any(len(v["partials"]) > 1 for v in vectors)
    for v in vectors:
        Y, ad, ciphertext = b(v["Y"]), b(v["ad"]), b(v["ciphertext"])
        partials = {int(j): b(D) for j, D in v["partials"].items()}
        seal.check_ciphertext(Y, ad, ciphertext)
        assert reveal.decrypt(Y, ad, ciphertext, partials).hex() == v["payload"]
        # reference Lagrange: K = Σ λ_j·D_j with λ_j = Π m/(m-j) mod L
        K = edwards.IDENTITY
        for j, D in partials.items():
            lam = 1
            for m in partials:
                if m != j:
                    lam = lam * m * pow(m - j, -1, L) % L
            K = edwards.add(K, edwards.mul(lam, edwards.decode(D)))
        assert edwards.encode(K) == reveal.combine(partials)


def test_dkg_vectors_signed_deals():
    for v in load("dkg.json"):
        ctx, n = b(v["ctx"]), v["n"]
        keys = {int(i): dkg.public_keys(b(k["signing_seed"]), b(k["x25519_secret"]))
                for i, k in v["trustees"].items()}
        assert {str(i): k.x25519.hex() for i, k in keys.items()} == {
            i: k["x25519"] for i, k in v["trustees"].items()}
        recipients = {i: k.x25519 for i, k in keys.items()}
        for i, d in v["deals"].items():
            dealer = int(i)
            nonces = iter(b(d["box_nonces"][str(j)]) for j in range(1, n + 1))
            made = dkg.deal(ctx, dealer, v["t"], b(v["trustees"][i]["signing_seed"]),
                            b(v["trustees"][i]["x25519_secret"]), recipients,
                            coefficients=[b(a) for a in v["coefficients"][i]],
                            pop_nonce=b(d["pop_nonce"]),
                            random_bytes=lambda size, nonces=nonces: next(nonces))
            assert {str(j): e.hex() for j, e in made.encrypted_shares.items()} == (
                d["encrypted_shares"])
            assert (made.pop_r.hex(), made.pop_z.hex(), made.signature.hex()) == (
                d["pop_r"], d["pop_z"], d["signature"])
            # the digest re-derived from its definition: H over the shares, then over the parts
            shares = [b(d["encrypted_shares"][str(j)]) for j in range(1, n + 1)]
            shares_digest = H("deal-shares", *shares)
            assert shares_digest.hex() == d["shares_digest"]
            public = b"".join(b(c) for c in v["commitments"][i]) + b(d["pop_r"]) + b(d["pop_z"])
            assert H("deal", ctx, public, shares_digest).hex() == d["digest"]
            dkg.check_deal_public(ctx, v["t"], n, made, keys[dealer].ed25519)


def test_complaint_vectors_key_checks():
    from crypto.complaints import check_x25519_public
    from crypto.errors import WeakKey

    cases = load("complaints.json")["key_checks"]
    assert {c["reason"] for c in cases} == {
        None, "not 32 bytes", "not a canonical field element", "of low order",
        "of mixed order (not in the prime-order subgroup)", "not a point of the curve"}
    for case in cases:
        try:
            check_x25519_public(b(case["x25519"]))
        except WeakKey as weak:
            assert weak.reason == case["reason"], case["name"]
        else:
            assert case["reason"] is None, case["name"]


def test_complaint_vectors_answers():
    from crypto import complaints
    from crypto.formats import messages

    for v in load("complaints.json")["answers"]:
        ctx, i, j = b(v["ctx"]), v["dealer"], v["complainant"]
        made = complaints.answer_complaint(ctx, i, j, b(v["dealer_x25519_secret"]),
                                           b(v["complainant_x25519"]), nonce=b(v["r"]))
        assert [made.shared_point.hex(), made.a1.hex(), made.a2.hex(), made.z.hex()] == [
            v["S"], v["A1"], v["A2"], v["z"]]
        deal = dkg.deal_from_dict(v["deal"])
        dkg.check_deal_public(ctx, v["t"], v["n"], deal, b(v["dealer_ed25519"]))
        verdict = complaints.adjudicate(ctx, v["t"], v["n"], deal, j, b(v["dealer_x25519"]),
                                        b(v["complainant_x25519"]), made)
        assert {"at_fault": verdict.at_fault, "dealer_at_fault": verdict.dealer_at_fault,
                "reason": verdict.reason} == v["verdict"]
        digest = messages.complaint_answer_message(ctx, i, j, made.shared_point, made.a1,
                                                   made.a2, made.z)
        assert digest.hex() == v["signed_digest"]
        messages.verify(b(v["dealer_ed25519"]), digest, b(v["signature"]))
        # re-derived on the reference curve: the points, x, S, c and z
        P = edwards.P
        for key, point in ((v["dealer_x25519"], v["P_i"]), (v["complainant_x25519"], v["P_j"])):
            u = num(key)
            assert ((u - 1) * pow(u + 1, -1, P) % P).to_bytes(32, "little").hex() == point
        clamped = bytearray(b(v["dealer_x25519_secret"]))
        clamped[0] &= 248
        clamped[31] = (clamped[31] & 127) | 64
        s = num(bytes(clamped)) % L
        x = s if ref_mul(s) == b(v["P_i"]) else L - s
        assert ref_mul(x) == b(v["P_i"]) and x == num(v["x"])
        assert ref_mul(x, b(v["P_j"])).hex() == v["S"]
        r = num(v["r"])
        assert ref_mul(r).hex() == v["A1"] and ref_mul(r, b(v["P_j"])).hex() == v["A2"]
        c = ref_Hs("complaint-answer", ctx, (i).to_bytes(32, "little"), (j).to_bytes(32, "little"),
                   b(v["P_i"]), b(v["P_j"]), b(v["S"]), b(v["A1"]), b(v["A2"]))
        assert c == num(v["c"]) and (r + c * x) % L == num(v["z"])
        # the opener: u(S') under the fixed secret e gives the same box key as u(S)
        e = hashlib.sha512(b"pledge complaint opener").digest()[:32]
        assert e.hex() == v["opener"]["e"]
        assert v["plaintext"][:192] == (ctx + (i).to_bytes(32, "little")
                                        + (j).to_bytes(32, "little")).hex()
