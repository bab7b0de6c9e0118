"""The campaign log's Merkle tree (RFC 9162 hashing) and its signed tree heads."""

from __future__ import annotations

import hashlib
import time

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import CryptoError, EncodingError, InvalidProof, InvalidSignature
from crypto.hashing import u64le
from crypto.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    sign_tree_head,
    tree_head_message,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)

# RFC 6962 reference tree used by every CT implementation (transparency-dev/merkle,
# testonly/constants.go): leaves, then the root of each size 0..8, and some proofs.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
CT_CONSISTENCY = [
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def leaves(n: int) -> list[bytes]:
    """``n`` distinct leaf hashes."""
    return [leaf_hash(b"leaf %d" % i) for i in range(n)]


# A literal, recursive transcription of RFC 9162 §2.1, to check the iterative code against.


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_shape(m: int, n: int) -> list[str]:
    """Which side each sibling of leaf ``m`` sits on, in a tree of ``n`` leaves."""
    if n == 1:
        return []
    k = _k(n)
    return ref_shape(m, k) + ["R"] if m < k else ref_shape(m - k, n - k) + ["L"]


def flip(proof: list[bytes], position: int) -> list[bytes]:
    changed = list(proof)
    changed[position] = bytes([changed[position][0] ^ 1]) + changed[position][1:]
    return changed


class TestHashing:
    def test_leaf_and_node_prefixes(self):
        assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
        a, b = leaf_hash(b"a"), leaf_hash(b"b")
        assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()

    def test_empty_tree_is_sha256_of_nothing(self):
        assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
        assert MerkleTree().root() == EMPTY_ROOT

    def test_rfc6962_reference_roots(self):
        hashes = [leaf_hash(leaf) for leaf in CT_LEAVES]
        tree = MerkleTree.from_leaves(CT_LEAVES)
        for size, expected in enumerate(CT_ROOTS):
            assert root(hashes[:size]) == expected
            assert tree.root(size) == expected

    @pytest.mark.parametrize("index,size,proof", CT_INCLUSION)
    def test_rfc6962_reference_inclusion(self, index, size, proof):
        tree = MerkleTree.from_leaves(CT_LEAVES)
        expected = [bytes.fromhex(h) for h in proof]
        assert tree.inclusion_proof(index, size) == expected
        verify_inclusion(leaf_hash(CT_LEAVES[index]), index, size, expected, CT_ROOTS[size])

    @pytest.mark.parametrize("first,second,proof", CT_CONSISTENCY)
    def test_rfc6962_reference_consistency(self, first, second, proof):
        tree = MerkleTree.from_leaves(CT_LEAVES)
        expected = [bytes.fromhex(h) for h in proof]
        assert tree.consistency_proof(first, second) == expected
        verify_consistency(first, second, CT_ROOTS[first], CT_ROOTS[second], expected)


class TestAgainstTheRfcText:
    def test_roots_and_proofs_equal_the_recursive_definitions(self):
        hashes = leaves(70)
        tree = MerkleTree(hashes)
        for n in range(71):
            assert tree.root(n) == root(hashes[:n]) == ref_mth(hashes[:n])
            for m in range(n):
                assert tree.inclusion_proof(m, n) == ref_path(m, hashes[:n])
            for m in range(1, n):
                assert tree.consistency_proof(m, n) == ref_subproof(m, hashes[:n], True)

    def test_list_functions_agree_with_the_tree(self):
        hashes = leaves(21)
        assert inclusion_proof(hashes, 5) == MerkleTree(hashes).inclusion_proof(5)
        assert inclusion_proof(hashes, 5, 9) == ref_path(5, hashes[:9])
        assert consistency_proof(hashes, 6) == ref_subproof(6, hashes, True)
        assert consistency_proof(hashes, 6, 13) == ref_subproof(6, hashes[:13], True)

    def test_appending_keeps_every_earlier_root(self):
        hashes = leaves(40)
        tree = MerkleTree()
        for i, item in enumerate(hashes):
            assert tree.append(item) == i
            assert tree.root() == ref_mth(hashes[: i + 1])
            assert tree.leaf_hash_at(i) == item


class TestInclusionProperties:
    @settings(max_examples=60, deadline=None)
    @given(st.integers(1, 300))
    def test_every_leaf_proof_verifies(self, n):
        hashes = leaves(n)
        tree = MerkleTree(hashes)
        head = tree.root()
        for i in range(n):
            verify_inclusion(hashes[i], i, n, tree.inclusion_proof(i), head)

    @settings(max_examples=150, deadline=None)
    @given(st.data())
    def test_tampered_proofs_fail(self, data):
        n = data.draw(st.integers(2, 300))
        i = data.draw(st.integers(0, n - 1))
        hashes = leaves(n)
        tree = MerkleTree(hashes)
        head, proof = tree.root(), tree.inclusion_proof(i)
        position = data.draw(st.integers(0, len(proof) - 1))
        bad_proofs = [flip(proof, position), proof[:-1], proof + [proof[0]], proof[::-1]]
        for bad in bad_proofs:
            if bad != proof:
                with pytest.raises(InvalidProof):
                    verify_inclusion(hashes[i], i, n, bad, head)
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf_hash(b"not in the log"), i, n, proof, head)
        with pytest.raises(InvalidProof):
            verify_inclusion(hashes[i], i, n, proof, hashes[i])

    @settings(max_examples=150, deadline=None)
    @given(st.data())
    def test_wrong_index_fails(self, data):
        n = data.draw(st.integers(2, 300))
        i = data.draw(st.integers(0, n - 1))
        j = data.draw(st.integers(0, n + 5).filter(lambda j: j != i))
        hashes = leaves(n)
        tree = MerkleTree(hashes)
        with pytest.raises(InvalidProof):
            verify_inclusion(hashes[i], j, n, tree.inclusion_proof(i), tree.root())

    @settings(max_examples=200, deadline=None)
    @given(st.data())
    def test_wrong_size_fails_unless_the_path_is_the_same(self, data):
        # The proof fixes only the path's shape; the size is bound by the signed tree head.
        # A wrong size verifies exactly when leaf i sits on an identically shaped path.
        n = data.draw(st.integers(1, 300))
        i = data.draw(st.integers(0, n - 1))
        other = data.draw(st.integers(0, 400).filter(lambda s: s != n))
        hashes = leaves(n)
        tree = MerkleTree(hashes)
        proof, head = tree.inclusion_proof(i), tree.root()
        if i < other and ref_shape(i, other) == ref_shape(i, n):
            verify_inclusion(hashes[i], i, other, proof, head)
        else:
            with pytest.raises(InvalidProof):
                verify_inclusion(hashes[i], i, other, proof, head)

    def test_a_lone_leaf_has_an_empty_proof(self):
        item = leaf_hash(b"only")
        assert MerkleTree([item]).inclusion_proof(0) == []
        verify_inclusion(item, 0, 1, [], item)
        with pytest.raises(InvalidProof):
            verify_inclusion(item, 0, 0, [], item)


class TestConsistencyProperties:
    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 300))
    def test_every_earlier_size_is_consistent(self, n):
        hashes = leaves(n)
        tree = MerkleTree(hashes)
        for m in range(n + 1):
            verify_consistency(m, n, tree.root(m), tree.root(), tree.consistency_proof(m))

    @settings(max_examples=200, deadline=None)
    @given(st.data())
    def test_tampered_proofs_and_roots_fail(self, data):
        n = data.draw(st.integers(2, 300))
        m = data.draw(st.integers(1, n - 1))
        tree = MerkleTree(leaves(n))
        old, new, proof = tree.root(m), tree.root(), tree.consistency_proof(m)
        position = data.draw(st.integers(0, len(proof) - 1))
        for bad in [flip(proof, position), proof[:-1], proof + [proof[0]], []]:
            with pytest.raises(InvalidProof):
                verify_consistency(m, n, old, new, bad)
        other_log = MerkleTree(leaves(m - 1) + [leaf_hash(b"rewritten")])
        with pytest.raises(InvalidProof):
            verify_consistency(m, n, other_log.root(), new, proof)
        with pytest.raises(InvalidProof):
            verify_consistency(m, n, old, tree.root(n - 1), proof)

    @settings(max_examples=200, deadline=None)
    @given(st.data())
    def test_wrong_sizes_fail(self, data):
        n = data.draw(st.integers(2, 300))
        m = data.draw(st.integers(1, n - 1))
        tree = MerkleTree(leaves(n))
        old, new, proof = tree.root(m), tree.root(), tree.consistency_proof(m)
        m2 = data.draw(st.integers(0, n + 3).filter(lambda x: x != m))
        with pytest.raises(InvalidProof):
            verify_consistency(m2, n, old, new, proof)
        with pytest.raises(InvalidProof):
            verify_consistency(n, m, new, old, proof)

    def test_degenerate_sizes(self):
        tree = MerkleTree(leaves(5))
        verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [])
        verify_consistency(5, 5, tree.root(), tree.root(), [])
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
        for args in [
            (0, 5, tree.root(1), tree.root(), []),
            (0, 5, EMPTY_ROOT, tree.root(), [tree.root()]),
            (5, 5, tree.root(), tree.root(4), []),
            (5, 5, tree.root(), tree.root(), [tree.root()]),
        ]:
            with pytest.raises(InvalidProof):
                verify_consistency(*args)


class TestBadInput:
    def test_ranges_and_lengths_are_refused(self):
        tree = MerkleTree(leaves(4))
        for call in [
            lambda: tree.inclusion_proof(4),
            lambda: tree.inclusion_proof(-1),
            lambda: tree.inclusion_proof(0, 5),
            lambda: tree.consistency_proof(3, 2),
            lambda: tree.root(5),
            lambda: tree.append(b"short"),
            lambda: root([b"\x00" * 31]),
            lambda: verify_inclusion(b"\x00" * 31, 0, 1, [], b"\x00" * 32),
            lambda: verify_inclusion(b"\x00" * 32, 0, 2, b"\x00" * 32, b"\x00" * 32),
            lambda: verify_inclusion(b"\x00" * 32, -1, 2, [], b"\x00" * 32),
            lambda: verify_consistency(1, 2, b"\x00" * 32, b"\x00" * 32, [b"\x00"]),
        ]:
            with pytest.raises(EncodingError):
                call()

    def test_errors_share_one_family(self):
        assert issubclass(InvalidProof, CryptoError)
        assert issubclass(InvalidSignature, CryptoError)
        assert issubclass(EncodingError, CryptoError)


class TestScale:
    def test_a_hundred_thousand_leaves(self):
        hashes = [hashlib.sha256(u64le(i)).digest() for i in range(100_000)]
        started = time.perf_counter()
        tree = MerkleTree(hashes)
        head = tree.root()
        assert root(hashes) == head
        for i in (0, 1, 4_097, 65_535, 65_536, 99_999):
            verify_inclusion(hashes[i], i, tree.size, tree.inclusion_proof(i), head)
        for m in (1, 3, 65_536, 70_001, 99_998):
            verify_consistency(m, tree.size, tree.root(m), head, tree.consistency_proof(m))
        assert time.perf_counter() - started < 15  # ~1 s here; a loose bound for slow CI


class TestSignedTreeHeads:
    SEED = bytes(range(32))
    LOG_ID = b"campaign-7"

    def verify_key(self, seed: bytes = SEED) -> bytes:
        return bytes(nacl.signing.SigningKey(seed).verify_key)

    def test_message_layout(self):
        head = leaf_hash(b"x")
        expected = b"pledge/v2/sth" + u64le(10) + self.LOG_ID + u64le(5) + u64le(1700000000) + head
        assert tree_head_message(self.LOG_ID, 5, 1700000000, head) == expected

    def test_sign_and_verify(self):
        head = MerkleTree(leaves(9)).root()
        signature = sign_tree_head(self.SEED, self.LOG_ID, 9, 1700000000, head)
        assert len(signature) == 64
        verify_tree_head(self.verify_key(), self.LOG_ID, 9, 1700000000, head, signature)

    def test_any_change_fails(self):
        head = MerkleTree(leaves(9)).root()
        signature = sign_tree_head(self.SEED, self.LOG_ID, 9, 1700000000, head)
        key = self.verify_key()
        other_key = self.verify_key(b"\x01" * 32)
        tampered = [
            (key, b"campaign-8", 9, 1700000000, head, signature),
            (key, self.LOG_ID, 10, 1700000000, head, signature),
            (key, self.LOG_ID, 9, 1700000001, head, signature),
            (key, self.LOG_ID, 9, 1700000000, leaf_hash(b"y"), signature),
            (key, self.LOG_ID, 9, 1700000000, head, bytes([signature[0] ^ 1]) + signature[1:]),
            (other_key, self.LOG_ID, 9, 1700000000, head, signature),
        ]
        for args in tampered:
            with pytest.raises(InvalidSignature):
                verify_tree_head(*args)

    def test_malformed_keys_and_signatures_are_refused(self):
        head = leaf_hash(b"x")
        with pytest.raises(EncodingError):
            sign_tree_head(b"short", self.LOG_ID, 1, 0, head)
        with pytest.raises(EncodingError):
            verify_tree_head(b"short", self.LOG_ID, 1, 0, head, b"\x00" * 64)
        with pytest.raises(EncodingError):
            verify_tree_head(self.verify_key(), self.LOG_ID, 1, 0, head, b"\x00" * 63)
        with pytest.raises(EncodingError):
            tree_head_message("text id", 1, 0, head)
