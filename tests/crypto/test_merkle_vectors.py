"""``tests/vectors/merkle.json`` is what the Python log produces, and every proof in it verifies."""

from __future__ import annotations

import json
from pathlib import Path

from crypto.merkle import MerkleTree, leaf_hash, verify_inclusion
from tests.vectors.gen_merkle import SIZES, merkle_vectors

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "merkle.json"


def load() -> list[dict]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_the_file_is_reproduced_exactly():
    assert load() == merkle_vectors()


def test_the_file_has_the_agreed_shape():
    vectors = load()
    assert [len(v["leaves"]) for v in vectors] == list(SIZES)
    for vector in vectors:
        assert set(vector) == {"leaves", "root", "inclusion"}
        assert all(set(item) == {"index", "proof"} for item in vector["inclusion"])
        assert len(vector["inclusion"]) >= min(3, len(vector["leaves"]))


def test_every_vector_verifies_independently_of_the_generator():
    for vector in load():
        raw = [bytes.fromhex(h) for h in vector["leaves"]]
        head = bytes.fromhex(vector["root"])
        assert MerkleTree.from_leaves(raw).root() == head
        for item in vector["inclusion"]:
            proof = [bytes.fromhex(h) for h in item["proof"]]
            index = item["index"]
            verify_inclusion(leaf_hash(raw[index]), index, len(raw), proof, head)
