"""Per-operation cost of the threshold-encryption core, against a raw scalar multiplication.

Run: ``.venv/bin/python bench/crypto.py``. Each figure is the best of several interleaved rounds
over distinct entries (so no per-entry point check is remembered between operations), in µs, and
as a ratio to the same run's raw ``crypto_scalarmult_ed25519_noclamp``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from nacl import bindings as sodium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crypto import dkg, group, reveal, seal

ENTRIES = 100
ROUNDS = 7
T, N = 3, 5
AD = bytes(32) + b"\x01" * 32


def per_item(run: Callable[[], int]) -> float:
    """Mean µs per item of one call of ``run``, which returns how many items it did."""
    start = time.perf_counter()
    items = run()
    return (time.perf_counter() - start) * 1e6 / items


def best_of_rounds(runs: dict[str, Callable[[], int]]) -> dict[str, float]:
    """Every runner once per round, interleaved, keeping each one's best round.

    Interleaving keeps the comparison fair on a machine shared with other work.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(ROUNDS):
        for name, run in runs.items():
            best[name] = min(best[name], per_item(run))
    return best


def each(function: Callable[..., object], argument_lists: Sequence[tuple]) -> Callable[[], int]:
    """A runner calling ``function(*arguments)`` once per argument tuple."""

    def run() -> int:
        for arguments in argument_lists:
            function(*arguments)
        return len(argument_lists)

    return run


RAW_NAME = "raw scalarmult_noclamp"


def measure() -> dict[str, float]:
    """µs per operation, the raw scalar multiplication (the floor) included as ``RAW_NAME``."""
    polynomials = [dkg.random_polynomial(T) for _ in range(N)]
    shares = {j: dkg.combine_shares(dkg.evaluate(f, j) for f in polynomials)
              for j in range(1, N + 1)}
    Y = dkg.group_key({i + 1: dkg.commit(f) for i, f in enumerate(polynomials)})
    Yj = {j: group.scalarmult_base(x) for j, x in shares.items()}
    payload = seal.encode_payload("Ada Lovelace", "Research scientist", "I will not." * 20, "name")

    scalars = [group.random_scalar() for _ in range(ENTRIES)]
    points = [group.scalarmult_base(group.random_scalar()) for _ in range(ENTRIES)]
    cts = [seal.seal(Y, AD, payload) for _ in range(ENTRIES)]
    Rs = [ct[:32] for ct in cts]
    partials = [reveal.partial_decrypt(1, shares[1], Yj[1], R, AD) for R in Rs]
    quorum = [{j: group.scalarmult(shares[j], R) for j in (1, 3, 5)} for R in Rs]

    return best_of_rounds({
        "seal": each(seal.seal, [(Y, AD, payload)] * ENTRIES),
        "check ciphertext": each(seal.check_ciphertext, [(Y, AD, ct) for ct in cts]),
        "partial with proof": each(
            reveal.partial_decrypt, [(1, shares[1], Yj[1], R, AD) for R in Rs]
        ),
        "check partial proof": each(
            reveal.verify_partial, [(1, Yj[1], R, AD, p) for R, p in zip(Rs, partials, strict=True)]
        ),
        f"combine + open (t={T})": each(
            reveal.decrypt, [(Y, AD, ct, q) for ct, q in zip(cts, quorum, strict=True)]
        ),
        RAW_NAME: each(sodium.crypto_scalarmult_ed25519_noclamp, list(zip(scalars, points, strict=True))),
    })


def main() -> None:
    """Measure and print the table."""
    results = measure()
    raw = results[RAW_NAME]
    print(f"{'operation':<24} {'µs':>9} {'× scalarmult':>13}")
    for name, micros in results.items():
        print(f"{name:<24} {micros:>9.1f} {micros / raw:>13.2f}")


if __name__ == "__main__":
    main()
