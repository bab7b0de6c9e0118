"""The campaign log: an RFC 9162 Merkle tree, its proofs and its signed tree heads (docs/protocol.md §7).

Hashing is that of Certificate Transparency v2 (RFC 9162 §2.1), so any CT tooling can check it:

- leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``;
- the root of ``n`` leaves is MTH (§2.1.1): the empty tree is ``SHA-256(b"")``, otherwise the tree
  splits at ``k``, the largest power of two strictly below ``n``;
- inclusion proofs (§2.1.3) and consistency proofs (§2.1.4), generated and verified as the RFC
  says.

A **signed tree head** is an Ed25519 signature (``nacl.signing``) over::

    b"pledge/v2/sth" || u64le(len(log_id)) || log_id || u64le(size) || u64le(timestamp) || root

where ``log_id`` is the log's identifier bytes, ``size`` the number of leaves, ``timestamp``
seconds since the Unix epoch (coarsened to the batch) and ``root`` the 32-byte MTH.

The leaves themselves (pledge entries and withdrawals) are encoded by :mod:`crypto.log_leaves`.

Verification functions return ``None`` and raise :class:`~crypto.errors.InvalidProof` or
:class:`~crypto.errors.InvalidSignature`; malformed input raises
:class:`~crypto.errors.EncodingError`. All are subclasses of :class:`~crypto.errors.CryptoError`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

import nacl.exceptions
import nacl.signing

from .errors import EncodingError, InvalidProof, InvalidSignature
from .hashing import u64le

HASH_LEN = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
STH_PREFIX = b"pledge/v2/sth"
COSIGN_PREFIX = b"pledge/v2/cosign"


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + bytes(leaf)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _check_hash(value: bytes) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_LEN:
        raise EncodingError("a Merkle hash must be 32 bytes")
    return bytes(value)


def _check_size(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise EncodingError("a tree size or index must be an integer in [0, 2**64)")
    return value


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only tree over leaf hashes that answers roots and proofs for any past size.

    ``levels[h][i]`` holds the hash of the complete subtree of ``2**h`` leaves starting at leaf
    ``i * 2**h``; only complete subtrees are stored, so appending is amortised O(1) hashing, a
    root for any size costs O(log n) hashing and a proof at most O(log² n) (a few hundred hashes
    at a million leaves). Memory is about 64 bytes per leaf plus Python object overhead.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """Build a tree from raw leaf bytes (each is hashed with :func:`leaf_hash`)."""
        return cls(leaf_hash(leaf) for leaf in leaves)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def leaf_hash_at(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        if not 0 <= _check_size(index) < self.size:
            raise EncodingError("leaf index out of range")
        return self._levels[0][index]

    def append(self, hashed_leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        node = _check_hash(hashed_leaf)
        index = self.size
        height = 0
        position = index
        while True:
            if height == len(self._levels):
                self._levels.append([])
            self._levels[height].append(node)
            if position % 2 == 0:
                return index
            node = node_hash(self._levels[height][position - 1], node)
            position //= 2
            height += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes in order."""
        for item in leaf_hashes:
            self.append(item)

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``, where ``start`` is aligned as RFC 9162 splits it."""
        width = end - start
        if width & (width - 1) == 0:  # a complete subtree: stored
            height = width.bit_length() - 1
            return self._levels[height][start >> height]
        k = _split(width)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def _size_arg(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= _check_size(size) <= self.size:
            raise EncodingError("tree size out of range")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all of them)."""
        n = self._size_arg(size)
        return EMPTY_ROOT if n == 0 else self._subtree(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf-side sibling first."""
        n = self._size_arg(size)
        if not 0 <= _check_size(index) < n:
            raise EncodingError("leaf index out of range for this tree size")
        proof: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]); empty for an old size of 0 or n."""
        n = self._size_arg(new_size)
        m = _check_size(old_size)
        if m > n:
            raise EncodingError("old tree size is larger than the new one")
        if m == 0 or m == n:
            return []
        proof: list[bytes] = []
        start, end, complete = 0, n, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                m -= k
                start += k
                complete = False
        if not complete:
            proof.append(self._subtree(start, end))
        proof.reverse()
        return proof


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, computed bottom-up without recursion."""
    level = [_check_hash(item) for item in leaf_hashes]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # a lone right edge moves up unchanged (RFC 9162 split)
        level = paired
    return level[0]


def inclusion_proof(
    leaf_hashes: Sequence[bytes], index: int, size: int | None = None
) -> list[bytes]:
    """Inclusion proof of leaf ``index`` in the tree of the first ``size`` leaf hashes."""
    n = len(leaf_hashes) if size is None else size
    return MerkleTree(leaf_hashes[:n]).inclusion_proof(index, n)


def consistency_proof(
    leaf_hashes: Sequence[bytes], old_size: int, new_size: int | None = None
) -> list[bytes]:
    """Consistency proof between the first ``old_size`` and first ``new_size`` leaf hashes."""
    n = len(leaf_hashes) if new_size is None else new_size
    return MerkleTree(leaf_hashes[:n]).consistency_proof(old_size, n)


def _check_proof(proof: Sequence[bytes]) -> list[bytes]:
    if isinstance(proof, (bytes, bytearray, str)):
        raise EncodingError("a proof is a sequence of 32-byte hashes")
    return [_check_hash(item) for item in proof]


def verify_inclusion(
    hashed_leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raise :class:`InvalidProof` if it fails.

    The proof binds the leaf to ``root_hash``; that ``size`` belongs to that root is what the
    signed tree head vouches for, so always take both from one verified head.
    """
    node, expected = _check_hash(hashed_leaf), _check_hash(root_hash)
    path = _check_proof(proof)
    fn, sn = _check_size(index), _check_size(size) - 1
    if fn > sn:
        raise InvalidProof("inclusion proof does not verify")
    for sibling in path:
        if sn == 0:
            raise InvalidProof("inclusion proof does not verify")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0 or not hmac.compare_digest(node, expected):
        raise InvalidProof("inclusion proof does not verify")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise :class:`InvalidProof` if it fails.

    Two cases the RFC leaves to the caller: equal sizes need an empty proof and equal roots; an
    old size of 0 needs an empty proof and the empty-tree root (every tree extends it).
    """
    first, second = _check_size(old_size), _check_size(new_size)
    first_root, second_root = _check_hash(old_root), _check_hash(new_root)
    path = _check_proof(proof)
    fail = InvalidProof("consistency proof does not verify")
    if first > second:
        raise fail
    if first == 0 or first == second:
        expected = EMPTY_ROOT if first == 0 else second_root
        if path or not hmac.compare_digest(first_root, expected):
            raise fail
        return
    if not path:
        raise fail
    if first & (first - 1) == 0:  # first is a power of two: its root is the first subtree
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise fail
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise fail
    if not (hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)):
        raise fail


def _head_message(prefix: bytes, log_id: bytes, size: int, timestamp: int, root_hash: bytes) -> bytes:
    if not isinstance(log_id, (bytes, bytearray)):
        raise EncodingError("log id must be bytes")
    return (
        prefix
        + u64le(len(log_id))
        + bytes(log_id)
        + u64le(_check_size(size))
        + u64le(_check_size(timestamp))
        + _check_hash(root_hash)
    )


def tree_head_message(log_id: bytes, size: int, timestamp: int, root_hash: bytes) -> bytes:
    """The bytes the log's tree head signature covers (docs/protocol.md §7)."""
    return _head_message(STH_PREFIX, log_id, size, timestamp, root_hash)


def cosign_message(log_id: bytes, size: int, timestamp: int, root_hash: bytes) -> bytes:
    """The bytes a witness's cosignature covers (docs/protocol.md §9): the tree head under
    another prefix, so a cosignature can never pass for the log's own signature or the reverse."""
    return _head_message(COSIGN_PREFIX, log_id, size, timestamp, root_hash)


def _signing_key(seed: bytes) -> nacl.signing.SigningKey:
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise EncodingError("an Ed25519 signing key seed must be 32 bytes")
    return nacl.signing.SigningKey(bytes(seed))


def sign_tree_head(
    signing_key: bytes, log_id: bytes, size: int, timestamp: int, root_hash: bytes
) -> bytes:
    """Sign a tree head with the log's Ed25519 key (32-byte seed); return the 64-byte signature."""
    message = tree_head_message(log_id, size, timestamp, root_hash)
    return _signing_key(signing_key).sign(message).signature


def verify_ed25519(verify_key: bytes, message: bytes, signature: bytes) -> None:
    """Check a detached Ed25519 signature; raise :class:`InvalidSignature` if it fails."""
    if not isinstance(verify_key, (bytes, bytearray)) or len(verify_key) != 32:
        raise EncodingError("an Ed25519 public key must be 32 bytes")
    if not isinstance(signature, (bytes, bytearray)) or len(signature) != 64:
        raise EncodingError("an Ed25519 signature must be 64 bytes")
    try:
        nacl.signing.VerifyKey(bytes(verify_key)).verify(bytes(message), bytes(signature))
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError) as exc:
        raise InvalidSignature("signature does not verify") from exc


def verify_tree_head(
    verify_key: bytes, log_id: bytes, size: int, timestamp: int, root_hash: bytes, signature: bytes
) -> None:
    """Check a signed tree head against the log's Ed25519 public key (32 bytes)."""
    verify_ed25519(verify_key, tree_head_message(log_id, size, timestamp, root_hash), signature)


def sign_cosignature(
    witness_seed: bytes, log_id: bytes, size: int, timestamp: int, root_hash: bytes
) -> bytes:
    """A witness's Ed25519 cosignature (32-byte seed) over a tree head it has checked."""
    message = cosign_message(log_id, size, timestamp, root_hash)
    return _signing_key(witness_seed).sign(message).signature


def verify_cosignature(
    witness_key: bytes, log_id: bytes, size: int, timestamp: int, root_hash: bytes, signature: bytes
) -> None:
    """Check a witness's cosignature; raise :class:`InvalidSignature` if it fails."""
    verify_ed25519(witness_key, cosign_message(log_id, size, timestamp, root_hash), signature)
