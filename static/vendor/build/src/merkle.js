/**
 * The campaign log's Merkle tree, RFC 9162 hashing (docs/protocol.md §7), as crypto/merkle.py: leaf
 * SHA-256(0x00 || leaf), node SHA-256(0x01 || left || right); inclusion (§2.1.3.2) and
 * consistency (§2.1.4.2) proof verification; and the Ed25519 signed tree head over
 * b"pledge/v2/sth" || u64le(len(log_id)) || log_id || u64le(size) || u64le(timestamp) || root.
 *
 * Verifiers return true or false; malformed input (wrong lengths, sizes out of range) is false.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, equalBytes, u64le, utf8 } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import { verifyEd25519 } from './keys.js';

export const EMPTY_ROOT = sha256(new Uint8Array(0));
const STH_PREFIX = utf8('pledge/v2/sth');
const U64_LIMIT = 1n << 64n;

/** RFC 9162 leaf hash: SHA-256(0x00 || leaf). */
export function leafHash(leaf) {
  return sha256(concatBytes(Uint8Array.of(0), assertBytes(leaf, 'leaf')));
}

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(1), assertBytes(left, 'left', 32),
    assertBytes(right, 'right', 32)));
}

/** MTH of a list of leaf hashes (RFC 9162 §2.1.1), bottom-up. */
export function rootFromLeafHashes(leafHashes) {
  let level = leafHashes.map((h) => assertBytes(h, 'leaf hash', 32));
  if (level.length === 0) return EMPTY_ROOT;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]); // a lone right edge moves up
    level = next;
  }
  return level[0];
}

function size64(value) {
  let big;
  if (typeof value === 'bigint') big = value;
  else if (Number.isSafeInteger(value)) big = BigInt(value);
  else return null;
  return big >= 0n && big < U64_LIMIT ? big : null;
}

function isHash(value) {
  return value instanceof Uint8Array && value.length === 32;
}

function isProof(proof) {
  return Array.isArray(proof) && proof.every(isHash);
}

/** Verify that ``leafHash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``. */
export function verifyInclusion(leafHash_, index, size, proof, root) {
  const fnStart = size64(index);
  const n = size64(size);
  if (!isHash(leafHash_) || !isHash(root) || !isProof(proof) || fnStart === null || !n) {
    return false;
  }
  let fn = fnStart;
  let sn = n - 1n;
  if (fn > sn) return false;
  let node = leafHash_;
  for (const sibling of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      node = nodeHash(sibling, node);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      node = nodeHash(node, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(node, root);
}

/** Verify that the tree (newSize, newRoot) extends the tree (oldSize, oldRoot). */
export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  const first = size64(oldSize);
  const second = size64(newSize);
  if (first === null || second === null || !isHash(oldRoot) || !isHash(newRoot)) return false;
  if (!isProof(proof) || first > second) return false;
  if (first === 0n || first === second) {
    return proof.length === 0 && equalBytes(oldRoot, first === 0n ? EMPTY_ROOT : newRoot);
  }
  if (proof.length === 0) return false;
  // When the old size is a power of two its root is the first subtree and is not in the proof.
  const path = (first & (first - 1n)) === 0n ? [oldRoot, ...proof] : proof;
  let fn = first - 1n;
  let sn = second - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/** The bytes a tree head signature covers (docs/protocol.md §7); ``logId`` is bytes. */
export function treeHeadMessage(logId, size, timestamp, root) {
  assertBytes(logId, 'log id');
  const n = size64(size);
  const ts = size64(timestamp);
  if (n === null || ts === null) throw new PledgeCryptoError('size or timestamp out of range');
  return concatBytes(STH_PREFIX, u64le(logId.length), logId, u64le(n), u64le(ts),
    assertBytes(root, 'root', 32));
}

/** Check a signed tree head against the log's Ed25519 public key; true or false. */
export function verifyTreeHead(publicKey, logId, size, timestamp, root, signature) {
  let message;
  try {
    message = treeHeadMessage(logId, size, timestamp, root);
  } catch {
    return false;
  }
  return verifyEd25519(publicKey, message, signature);
}
