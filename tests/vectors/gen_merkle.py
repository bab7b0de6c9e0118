"""Deterministic Merkle log vectors (``merkle.json``) for both implementations.

Shape: ``[{"leaves": [hex], "root": hex, "inclusion": [{"index": int, "proof": [hex]}]}]``.
``leaves`` are the raw leaf bytes (the log hashes each with ``SHA-256(0x00 || leaf)``), ``root`` is
the RFC 9162 tree hash, and each proof is the RFC 9162 inclusion path, leaf-side sibling first.

Leaf ``i`` is the first ``i % 33`` bytes of ``SHA-256(b"pledge/v2/merkle-vector" || u64le(i))``
(so leaf 0 is empty); a tree of size ``n`` holds leaves ``0..n-1``.

Run ``python tests/vectors/gen_merkle.py`` from the project root to rewrite ``merkle.json``;
``tests/vectors/generate.py`` imports :func:`merkle_vectors`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crypto.hashing import u64le
from crypto.merkle import MerkleTree

SIZES = (1, 2, 3, 7, 8, 13)
OUTPUT = Path(__file__).with_name("merkle.json")


def vector_leaf(i: int) -> bytes:
    """The ``i``-th deterministic leaf (lengths 0..32 bytes, cycling)."""
    return hashlib.sha256(b"pledge/v2/merkle-vector" + u64le(i)).digest()[: i % 33]


def proof_indices(size: int) -> list[int]:
    """Every index for small trees; the ends, the middle and their neighbours otherwise."""
    if size <= 3:
        return list(range(size))
    return sorted({0, 1, size // 2, size - 2, size - 1})


def merkle_vectors() -> list[dict[str, object]]:
    """The vectors, in the shape described in the module docstring."""
    vectors: list[dict[str, object]] = []
    for size in SIZES:
        leaves = [vector_leaf(i) for i in range(size)]
        tree = MerkleTree.from_leaves(leaves)
        vectors.append(
            {
                "leaves": [leaf.hex() for leaf in leaves],
                "root": tree.root().hex(),
                "inclusion": [
                    {"index": i, "proof": [h.hex() for h in tree.inclusion_proof(i)]}
                    for i in proof_indices(size)
                ],
            }
        )
    return vectors


def main() -> None:
    """Write ``merkle.json`` next to this file."""
    OUTPUT.write_text(json.dumps(merkle_vectors(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
