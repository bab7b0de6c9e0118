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
