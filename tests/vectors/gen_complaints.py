"""Vectors for complaints in the key ceremony (docs/protocol.md §4.1, §4.8).

Imported by ``tests/vectors/generate.py``, which writes ``complaints.json``::

    {"key_checks": [{"name", "x25519", "reason"}],
     "answers": [{"name", "t", "n", "ctx", "dealer", "complainant", "dealer_x25519_secret",
                  "dealer_x25519", "complainant_x25519", "dealer_ed25519", "deal", "P_i", "P_j",
                  "x", "S", "r", "A1", "A2", "c", "z", "signed_digest", "signature",
                  "opener": {"e", "S_prime", "u_prime"}, "plaintext",
                  "verdict": {"at_fault", "dealer_at_fault", "reason"}}]}

``reason`` is ``null`` for a key that passes, else the words of §4.1. Each answer is made with
the fixed nonce ``r`` (hex scalar); ``deal`` is the dealer's whole deal (``crypto.dkg``'s JSON
form), whose share for the complainant ``S`` opens to ``plaintext``. ``signature`` is the dealer's
Ed25519 signature over ``signed_digest``. In the ``bad-share`` case the dealer signed a share off
its polynomial, and is at fault.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nacl import bindings as sodium
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from crypto import complaints, dkg, group
from crypto.errors import WeakKey
from crypto.formats import messages

P = 2**255 - 19
ORDER_8 = (325606250916557431795983626356110631294008115727848805560023387167927233504,
           39382357235489614581723060781553021112529911719440698176882885853963445705823)


def _mixed_order_key(honest: bytes) -> bytes:
    """An honest key plus the point of order 2 (x = 0, y = -1): negating y maps u to 1/u."""
    u = int.from_bytes(honest, "little")
    return pow(u, -1, P).to_bytes(32, "little")


def _reason(key: bytes) -> str | None:
    try:
        complaints.check_x25519_public(key)
    except WeakKey as weak:
        return weak.reason
    return None


def key_check_vectors(seed: Any) -> list[dict[str, Any]]:
    honest = [bytes(PrivateKey(seed("complaints", k, "x25519")).public_key) for k in range(3)]
    cases: list[tuple[str, bytes]] = [
        *[(f"honest {k}", key) for k, key in enumerate(honest)],
        ("base point u = 9", (9).to_bytes(32, "little")),
        ("u = 0", bytes(32)),
        ("u = 1", (1).to_bytes(32, "little")),
        ("order 8 (a)", ORDER_8[0].to_bytes(32, "little")),
        ("order 8 (b)", ORDER_8[1].to_bytes(32, "little")),
        ("u = p - 1", (P - 1).to_bytes(32, "little")),
        ("u = p", P.to_bytes(32, "little")),
        ("u = p + 1", (P + 1).to_bytes(32, "little")),
        ("top bit set", (int.from_bytes(honest[0], "little") | 1 << 255).to_bytes(32, "little")),
        ("all ones", b"\xff" * 32),
        ("twist u = 2", (2).to_bytes(32, "little")),
        ("mixed order: honest 0 plus the point of order 2", _mixed_order_key(honest[0])),
        ("31 bytes", honest[1][:31]),
    ]
    return [{"name": name, "x25519": key.hex(), "reason": _reason(key)} for name, key in cases]


def answer_vectors(seed: Any, seed_scalar: Any) -> list[dict[str, Any]]:
    t, n, dealer, complainant = 2, 3, 1, 2
    ctx = seed("complaints", 0, "ctx")
    signing = {i: seed("complaints", 0, f"ed/{i}") for i in range(1, n + 1)}
    x_secret = {i: seed("complaints", 0, f"x/{i}") for i in range(1, n + 1)}
    x_public = {i: bytes(PrivateKey(s).public_key) for i, s in x_secret.items()}
    nonces = iter(seed("complaints", 0, f"box/{j}", 24) for j in range(1, n + 1))
    honest = dkg.deal(ctx, dealer, t, signing[dealer], x_secret[dealer], x_public,
                      coefficients=[seed_scalar("complaints", 0, f"a/{k}") for k in range(t)],
                      pop_nonce=seed_scalar("complaints", 0, "pop"),
                      random_bytes=lambda size: next(nonces))
    bad_sealed = dkg.encrypt_share(ctx, dealer, complainant, group.sc(7), x_secret[dealer],
                                   x_public[complainant], seed("complaints", 1, "box", 24))
    bad = dataclasses.replace(honest, encrypted_shares={**honest.encrypted_shares,
                                                        complainant: bad_sealed})
    bad = dataclasses.replace(bad, signature=SigningKey(signing[dealer]).sign(dkg.deal_digest(
        ctx, bad.commitments, bad.pop_r, bad.pop_z, bad.encrypted_shares)).signature)
    vectors = []
    for case, (name, deal) in enumerate((("honest share, false complaint", honest),
                                         ("bad share", bad))):
        r = seed_scalar("complaints", case, "r")
        made = complaints.answer_complaint(ctx, dealer, complainant, x_secret[dealer],
                                           x_public[complainant], nonce=r)
        p_i = complaints.edwards_point(x_public[dealer])
        p_j = complaints.edwards_point(x_public[complainant])
        x = complaints.dealer_scalar(x_secret[dealer], p_i)
        c = group.Hs("complaint-answer", ctx, group.sc(dealer), group.sc(complainant), p_i, p_j,
                     made.shared_point, made.a1, made.a2)
        digest = messages.complaint_answer_message(ctx, dealer, complainant, made.shared_point,
                                                   made.a1, made.a2, made.z)
        verdict = complaints.adjudicate(ctx, t, n, deal, complainant, x_public[dealer],
                                        x_public[complainant], made)
        s_prime = group.scalarmult(complaints._OPENER_INVERSE, made.shared_point)
        plaintext = complaints.open_box(made.shared_point, deal.encrypted_shares[complainant])
        assert plaintext is not None
        vectors.append({
            "name": name, "t": t, "n": n, "ctx": ctx.hex(), "dealer": dealer,
            "complainant": complainant, "dealer_x25519_secret": x_secret[dealer].hex(),
            "dealer_x25519": x_public[dealer].hex(), "complainant_x25519": x_public[complainant].hex(),
            "dealer_ed25519": bytes(SigningKey(signing[dealer]).verify_key).hex(),
            "deal": dkg.deal_to_dict(deal),
            "P_i": p_i.hex(), "P_j": p_j.hex(), "x": x.hex(), "S": made.shared_point.hex(),
            "r": r.hex(), "A1": made.a1.hex(), "A2": made.a2.hex(), "c": c.hex(), "z": made.z.hex(),
            "signed_digest": digest.hex(), "signature": messages.sign(signing[dealer], digest).hex(),
            "opener": {
                "e": complaints.OPENER_SECRET.hex(), "S_prime": s_prime.hex(),
                "u_prime": sodium.crypto_sign_ed25519_pk_to_curve25519(s_prime).hex(),
            },
            "plaintext": plaintext.hex(),
            "verdict": {"at_fault": verdict.at_fault, "dealer_at_fault": verdict.dealer_at_fault,
                        "reason": verdict.reason},
        })
    return vectors


def complaint_vectors(seed: Any, seed_scalar: Any) -> dict[str, Any]:
    return {"key_checks": key_check_vectors(seed), "answers": answer_vectors(seed, seed_scalar)}
