"""Write the test vectors that every implementation of wire format v2 must reproduce.

Run from the project root: ``.venv/bin/python tests/vectors/generate.py``. The output is
deterministic: every "random" value is derived from ``H("vector-seed", family, case, purpose)``,
so running it again rewrites identical files (``tests/crypto/test_vectors.py`` checks that).

Each family is one function returning JSON-ready data; bytes are lowercase hex:

- ``hash.json``: ``[{"tag", "parts": [hex], "n", "out"}]``
- ``dkg.json``: ``[{"t", "n", "ctx", "coefficients": {"i": [hex]}, "commitments": {"i": [hex]},
  "shares": {"j": hex}, "Y", "verification_keys": {"j": hex}, "trustees": {"i": {"signing_seed",
  "ed25519", "x25519_secret", "x25519"}}, "deals": {"i": {"pop_nonce", "pop_r", "pop_z",
  "box_nonces": {"j": hex}, "encrypted_shares": {"j": hex}, "shares_digest", "digest",
  "signature"}}}]``: each deal made with those keys and nonces, ``digest`` the deal digest
  (docs/protocol.md §4.2) that ``signature`` signs;
- ``complaints.json``: written by :mod:`tests.vectors.gen_complaints`;
- ``seal.json``: ``[{"Y", "ad", "payload", "r", "w", "nonce", "ciphertext"}]``
- ``dleq.json``: ``[{"j", "x", "Yj", "R", "ad", "k", "D", "c", "z"}]``
- ``combine.json``: ``[{"Y", "ad", "ciphertext", "partials": {"j": hex}, "payload"}]``
- ``merkle.json``: written by :mod:`tests.vectors.gen_merkle`;
- ``canonical_json.json``, ``events.json``, ``openings.json``, ``heads.json``: made by
  :mod:`tests.vectors.gen_formats` (shapes in its docstring).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crypto import dkg, group, reveal, seal
from crypto.hashing import H, canonical_json, u64le
from tests.vectors import gen_complaints, gen_formats

HERE = Path(__file__).resolve().parent
Vectors = list[dict[str, Any]]
Family = Callable[[], Any]  # a vector file's content: a list of vectors, or an object


def seed(family: str, case: int, purpose: str, size: int = 32) -> bytes:
    """Deterministic stand-in for random bytes: ``H("vector-seed", family, case, purpose)``."""
    return H("vector-seed", family.encode(), u64le(case), purpose.encode(), n=size)


def seed_scalar(family: str, case: int, purpose: str) -> bytes:
    """A deterministic non-zero scalar (64 seed bytes reduced mod L)."""
    s = group.reduce(seed(family, case, purpose, 64))
    assert not group.is_zero(s)
    return s


def indexed(values: dict[int, Any]) -> dict[str, Any]:
    """Integer keys as decimal strings, in ascending order."""
    return {str(k): values[k] for k in sorted(values)}


# --- hash ----------------------------------------------------------------------------------

HASH_CASES: list[tuple[str, list[bytes], int]] = [
    ("manifest", [canonical_json({"id": "c1", "t": 2, "title": "Pledge é"})], 32),
    ("kem", [b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, b"\x04" * 64], 32),
    ("dleq", [], 64),
    ("ct-pok", [b"", b"", b"a"], 64),
    ("transcript", [b"ab", b"c"], 64),
    ("transcript", [b"a", b"bc"], 64),
    ("x", [bytes(range(256))], 16),
    ("vector-seed", [b"hash"], 1),
]


def hash_vectors() -> Vectors:
    """``H`` for several tags, part lists (empty, empty parts, splits) and digest sizes."""
    return [
        {"tag": tag, "parts": [p.hex() for p in parts], "n": n, "out": H(tag, *parts, n=n).hex()}
        for tag, parts, n in HASH_CASES
    ]


# --- dkg -----------------------------------------------------------------------------------

DKG_CASES = [(1, 1), (2, 3), (3, 5)]


def joint_polynomials(family: str, case: int, t: int, n: int) -> dict[int, tuple[bytes, ...]]:
    """Trustee i's coefficients ``a_i0..a_i,t-1`` for i = 1..n."""
    return {
        i: tuple(seed_scalar(family, case, f"a/{i}/{k}") for k in range(t))
        for i in range(1, n + 1)
    }


def joint_shares(coefficients: dict[int, tuple[bytes, ...]]) -> dict[int, bytes]:
    """``x_j = Σ_i f_i(j)`` for j = 1..n."""
    n = len(coefficients)
    return {
        j: dkg.combine_shares(dkg.evaluate(coefficients[i], j) for i in range(1, n + 1))
        for j in range(1, n + 1)
    }


def signed_deals(case: int, t: int, n: int, coefficients: dict[int, tuple[bytes, ...]]
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every trustee's keys and its whole signed deal, from seeded secrets and nonces."""
    seeds = {i: seed("dkg", case, f"ed/{i}") for i in range(1, n + 1)}
    secrets = {i: seed("dkg", case, f"x/{i}") for i in range(1, n + 1)}
    keys = {i: dkg.public_keys(seeds[i], secrets[i]) for i in range(1, n + 1)}
    recipients = {i: k.x25519 for i, k in keys.items()}
    trustees = indexed({i: {"signing_seed": seeds[i].hex(), "ed25519": keys[i].ed25519.hex(),
                            "x25519_secret": secrets[i].hex(), "x25519": keys[i].x25519.hex()}
                        for i in range(1, n + 1)})
    deals = {}
    for i in range(1, n + 1):
        box_nonces = {j: seed("dkg", case, f"box/{i}/{j}", 24) for j in range(1, n + 1)}
        given = iter(box_nonces[j] for j in range(1, n + 1))
        pop_nonce = seed_scalar("dkg", case, f"pop/{i}")
        made = dkg.deal(seed("dkg", case, "ctx"), i, t, seeds[i], secrets[i], recipients,
                        coefficients=coefficients[i], pop_nonce=pop_nonce,
                        random_bytes=lambda size, given=given: next(given))
        deals[i] = {
            "pop_nonce": pop_nonce.hex(), "pop_r": made.pop_r.hex(), "pop_z": made.pop_z.hex(),
            "box_nonces": indexed({j: v.hex() for j, v in box_nonces.items()}),
            "encrypted_shares": indexed({j: v.hex() for j, v in made.encrypted_shares.items()}),
            "shares_digest": dkg.shares_digest(made.encrypted_shares).hex(),
            "digest": dkg.deal_digest(seed("dkg", case, "ctx"), made.commitments, made.pop_r,
                                      made.pop_z, made.encrypted_shares).hex(),
            "signature": made.signature.hex(),
        }
    return trustees, indexed(deals)


def dkg_vectors() -> Vectors:
    """Polynomials, commitments, shares and keys of whole ceremonies, and every signed deal."""
    vectors = []
    for case, (t, n) in enumerate(DKG_CASES):
        coefficients = joint_polynomials("dkg", case, t, n)
        commitments = {i: dkg.commit(a) for i, a in coefficients.items()}
        trustees, deals = signed_deals(case, t, n, coefficients)
        vectors.append({
            "t": t,
            "n": n,
            "ctx": seed("dkg", case, "ctx").hex(),
            "coefficients": indexed({i: [a.hex() for a in c] for i, c in coefficients.items()}),
            "commitments": indexed({i: [c.hex() for c in cs] for i, cs in commitments.items()}),
            "shares": indexed({j: x.hex() for j, x in joint_shares(coefficients).items()}),
            "Y": dkg.group_key(commitments).hex(),
            "verification_keys": indexed(
                {j: y.hex() for j, y in dkg.verification_keys(commitments).items()}
            ),
            "trustees": trustees,
            "deals": deals,
        })
    return vectors


# --- seal ----------------------------------------------------------------------------------


def near_limit_payload() -> bytes:
    """A payload of exactly 1023 bytes, the largest that fits."""
    base = seal.encode_payload("Near Limit", "Researcher", "", "anonymous")
    return seal.encode_payload(
        "Near Limit", "Researcher", "x" * (seal.MAX_PAYLOAD_BYTES - len(base)), "anonymous"
    )


def payloads() -> list[bytes]:
    """Typical, unicode, empty-statement and near-limit payloads."""
    return [
        seal.encode_payload("Ada Lovelace", "Research scientist",
                            "I will not train the model until the audit is public.", "name"),
        seal.encode_payload("Zoë Ñandú 李小龍", "研究员", "Ne pas déployer — \"jamais\" 🚫\n",
                            "anonymous"),
        seal.encode_payload("Alan Turing", "Engineer", "", "name"),
        near_limit_payload(),
    ]


def ad_for(family: str, case: int) -> bytes:
    """``ad = ctx || nullifier`` (64 bytes)."""
    return seed(family, case, "ctx") + seed(family, case, "nullifier")


def seal_vectors() -> Vectors:
    """Ciphertexts made with given ``r``, ``w`` and nonce."""
    vectors = []
    for case, payload in enumerate(payloads()):
        Y = group.scalarmult_base(seed_scalar("seal", case, "x"))
        ad = ad_for("seal", case)
        r, w = seed_scalar("seal", case, "r"), seed_scalar("seal", case, "w")
        nonce = seed("seal", case, "nonce", seal.NONCE_BYTES)
        vectors.append({
            "Y": Y.hex(), "ad": ad.hex(), "payload": payload.hex(), "r": r.hex(), "w": w.hex(),
            "nonce": nonce.hex(),
            "ciphertext": seal.seal(Y, ad, payload, r=r, w=w, nonce=nonce).hex(),
        })
    return vectors


# --- dleq ----------------------------------------------------------------------------------


def dleq_vectors() -> Vectors:
    """Partial decryptions with their Chaum-Pedersen proofs, for given nonces ``k``."""
    vectors = []
    for case, j in enumerate((1, 2, 5, 17)):
        x = seed_scalar("dleq", case, "x")
        Yj = group.scalarmult_base(x)
        R = group.scalarmult_base(seed_scalar("dleq", case, "r"))
        ad = ad_for("dleq", case)
        k = seed_scalar("dleq", case, "k")
        partial = reveal.partial_decrypt(j, x, Yj, R, ad, k=k)
        vectors.append({
            "j": j, "x": x.hex(), "Yj": Yj.hex(), "R": R.hex(), "ad": ad.hex(), "k": k.hex(),
            "D": partial[:32].hex(), "c": partial[32:64].hex(), "z": partial[64:].hex(),
        })
    return vectors


# --- combine -------------------------------------------------------------------------------

COMBINE_CASES = [(1, 1, (1,)), (2, 3, (2, 3)), (3, 5, (1, 3, 5)), (3, 5, (2, 3, 4, 5))]


def combine_vectors() -> Vectors:
    """Ciphertexts under a joint key and the partials ``D_j`` of a quorum that opens them."""
    vectors = []
    texts = payloads()
    for case, (t, n, quorum) in enumerate(COMBINE_CASES):
        coefficients = joint_polynomials("combine", case, t, n)
        shares = joint_shares(coefficients)
        Y = dkg.group_key({i: dkg.commit(a) for i, a in coefficients.items()})
        ad = ad_for("combine", case)
        payload = texts[case % len(texts)]
        ciphertext = seal.seal(
            Y, ad, payload, r=seed_scalar("combine", case, "r"),
            w=seed_scalar("combine", case, "w"), nonce=seed("combine", case, "nonce", 24),
        )
        R = ciphertext[:32]
        partials = {j: group.scalarmult(shares[j], R) for j in quorum}
        assert reveal.decrypt(Y, ad, ciphertext, partials) == payload
        vectors.append({
            "Y": Y.hex(), "ad": ad.hex(), "ciphertext": ciphertext.hex(),
            "partials": indexed({j: D.hex() for j, D in partials.items()}),
            "payload": payload.hex(),
        })
    return vectors


# --- writing -------------------------------------------------------------------------------

FAMILIES: dict[str, Family] = {
    "hash.json": hash_vectors,
    "dkg.json": dkg_vectors,
    "seal.json": seal_vectors,
    "dleq.json": dleq_vectors,
    "combine.json": combine_vectors,
    "canonical_json.json": gen_formats.canonical_json_vectors,
    "events.json": gen_formats.event_vectors,
    "openings.json": gen_formats.opening_vectors,
    "heads.json": gen_formats.head_vectors,
    "complaints.json": lambda: gen_complaints.complaint_vectors(seed, seed_scalar),
}


def merkle_family() -> dict[str, Family]:
    """The Merkle generator, if its module is present."""
    try:
        from tests.vectors.gen_merkle import merkle_vectors
    except ImportError:
        return {}
    return {"merkle.json": merkle_vectors}


def render(vectors: Any) -> str:
    """The exact text of a vector file."""
    return json.dumps(vectors, indent=2, ensure_ascii=True) + "\n"


def main() -> None:
    """Write every vector file next to this script."""
    for name, make in {**FAMILIES, **merkle_family()}.items():
        (HERE / name).write_text(render(make()), encoding="utf-8")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
