"""Slow, pure-Python edwards25519 arithmetic on public test values only.

Used to build points libsodium will not hand us: small-order points, torsioned points and
non-canonical encodings, which the library under test must refuse.
"""

from __future__ import annotations

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int]
IDENTITY: Point = (0, 1)


def recover_x(y: int, sign: int) -> int | None:
    """The x with the given parity on the curve at y, or None if there is none."""
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if x & 1 != sign else x


def decode(encoding: bytes) -> Point | None:
    """Decode a 32-byte encoding, accepting non-canonical y (y reduced mod p)."""
    value = int.from_bytes(encoding, "little")
    y = (value & ((1 << 255) - 1)) % P
    x = recover_x(y, value >> 255)
    return None if x is None else (x, y)


def encode(point: Point) -> bytes:
    """Canonical 32-byte encoding."""
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def add(p: Point, q: Point) -> Point:
    """Edwards addition (complete for edwards25519)."""
    (x1, y1), (x2, y2) = p, q
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P
    return x3, y3


def mul(k: int, p: Point) -> Point:
    """k·P by double-and-add."""
    result = IDENTITY
    while k:
        if k & 1:
            result = add(result, p)
        p = add(p, p)
        k >>= 1
    return result


def torsion_points() -> list[bytes]:
    """The encodings of all 8 points of order dividing 8 (the identity included)."""
    y = 2
    while True:
        x = recover_x(y, 0)
        if x is not None:
            t = mul(L, (x, y))
            if mul(4, t) != IDENTITY:  # order exactly 8: generates the torsion subgroup
                return [encode(mul(k, t)) for k in range(8)]
        y += 1


def noncanonical_encodings() -> list[bytes]:
    """Every encoding whose y field is at least p (y = p..2^255-1), with either sign bit."""
    out = []
    for y in range(P, 2**255):
        for sign in (0, 1):
            out.append((y | (sign << 255)).to_bytes(32, "little"))
    return out
