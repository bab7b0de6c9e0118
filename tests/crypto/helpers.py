"""Deterministic randomness and ready-made ceremonies for the crypto tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from crypto import dkg, group
from crypto.hashing import H, u64le


def seeded_random(label: str) -> Callable[[int], bytes]:
    """A reproducible stand-in for ``nacl.utils.random``: a hash-counter stream."""
    counter = itertools.count()

    def random_bytes(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += H("test-seed", label.encode(), u64le(next(counter)))
        return out[:size]

    return random_bytes


@dataclass
class Ceremony:
    """A finished key ceremony: every trustee's keys, deal and share, and the public keys."""

    t: int
    n: int
    ctx: bytes
    signing_seeds: dict[int, bytes] = field(default_factory=dict)
    x25519_secrets: dict[int, bytes] = field(default_factory=dict)
    keys: dict[int, dkg.TrusteeKeys] = field(default_factory=dict)
    deals: dict[int, dkg.Deal] = field(default_factory=dict)
    shares: dict[int, bytes] = field(default_factory=dict)
    Y: bytes = b""
    Yj: dict[int, bytes] = field(default_factory=dict)

    @property
    def commitments(self) -> dict[int, tuple[bytes, ...]]:
        return {i: d.commitments for i, d in self.deals.items()}

    @property
    def recipients(self) -> dict[int, bytes]:
        return {i: k.x25519 for i, k in self.keys.items()}


def run_ceremony(t: int, n: int, label: str = "ceremony") -> Ceremony:
    """Every trustee deals, every trustee verifies every deal and sums its shares."""
    rng = seeded_random(f"{label}/{t}/{n}")
    c = Ceremony(t=t, n=n, ctx=rng(32))
    for i in range(1, n + 1):
        c.signing_seeds[i], c.x25519_secrets[i] = rng(32), rng(32)
        c.keys[i] = dkg.public_keys(c.signing_seeds[i], c.x25519_secrets[i])
    for i in range(1, n + 1):
        c.deals[i] = dkg.deal(
            c.ctx, i, t, c.signing_seeds[i], c.x25519_secrets[i], c.recipients, random_bytes=rng
        )
    for j in range(1, n + 1):
        received = [
            dkg.verify_deal(c.ctx, t, n, c.deals[i], c.keys[i], j, c.x25519_secrets[j])
            for i in range(1, n + 1)
        ]
        c.shares[j] = dkg.combine_shares(received)
    c.Y = dkg.group_key(c.commitments)
    c.Yj = dkg.verification_keys(c.commitments)
    return c


def quick_shares(t: int, n: int, rng: Callable[[int], bytes]) -> tuple[bytes, dict[int, bytes]]:
    """``Y`` and every ``x_j`` of a joint polynomial, without boxes or signatures (fast)."""
    polynomials = [dkg.random_polynomial(t, rng) for _ in range(n)]
    shares = {
        j: dkg.combine_shares(dkg.evaluate(f, j) for f in polynomials) for j in range(1, n + 1)
    }
    Y = dkg.group_key({i + 1: dkg.commit(f) for i, f in enumerate(polynomials)})
    return Y, shares


def scalar(value: int) -> bytes:
    """A test scalar from a Python integer (reduced mod L); public test values only."""
    return (value % group.L).to_bytes(32, "little")
