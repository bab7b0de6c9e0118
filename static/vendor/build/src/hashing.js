/**
 * Domain-separated hashing and canonical JSON (wire format v2, docs/protocol.md §1 and §2), byte for byte as
 * crypto/hashing.py: H is keyed BLAKE2b over length-prefixed parts; Hs reduces 64 bytes mod L.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { assertBytes, toHex, u64le, utf8 } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import { scalarReduce } from './group.js';

const KEY_PREFIX = 'pledge/v2/';
/** The largest integer canonical JSON carries (docs/protocol.md §2); none is negative. */
const MAX_INTEGER = (1n << 63n) - 1n;

/** H(tag, p1, ..., pk; n): BLAKE2b-n keyed with "pledge/v2/" + tag over u64le(len(p)) || p. */
export function H(tag, parts, n = 64) {
  if (typeof tag !== 'string' || !/^[\x00-\x7f]*$/.test(tag)) {
    throw new PledgeCryptoError('hash tag must be ASCII');
  }
  const key = utf8(KEY_PREFIX + tag);
  if (key.length > 64 || !Number.isInteger(n) || n < 1 || n > 64) {
    throw new PledgeCryptoError('hash tag too long or digest size out of range');
  }
  if (!Array.isArray(parts)) throw new PledgeCryptoError('hash parts must be a list');
  const h = blake2b.create({ dkLen: n, key });
  for (const part of parts) {
    assertBytes(part, 'hash part');
    h.update(u64le(part.length));
    h.update(part);
  }
  return h.digest();
}

/** Hs(tag, ...) = scalar_reduce(H(tag, ...; n=64)), as 32 little-endian bytes. */
export function Hs(tag, parts) {
  return scalarReduce(H(tag, parts, 64));
}

/** Compare two strings by Unicode code point, as Python sorts str (not by UTF-16 unit). */
function compareCodePoints(a, b) {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0) - y.value.codePointAt(0);
    if (d !== 0) return d;
  }
}

function encodeString(text) {
  utf8(text); // refuses lone surrogates, which Python cannot encode either
  // For well-formed strings JSON.stringify escapes exactly what Python's json does with
  // ensure_ascii=False: '"', '\\' and U+0000..U+001F (\b \f \n \r \t, else \u00xx lowercase).
  return JSON.stringify(text);
}

function encodeValue(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_INTEGER) {
      throw new PledgeCryptoError('canonical JSON integers are 0..2**63-1');
    }
    return value.toString();
  }
  if (typeof value === 'number') {
    // Floats are refused: their text form differs between implementations. Numbers above
    // 2**53-1 are not exact in JavaScript: pass them as BigInt.
    if (!Number.isSafeInteger(value)) throw new PledgeCryptoError('only safe integers allowed');
    if (value < 0) throw new PledgeCryptoError('canonical JSON integers are 0..2**63-1');
    return String(value); // String(-0) is "0"
  }
  if (value instanceof Uint8Array) return encodeString(toHex(value));
  if (Array.isArray(value)) return '[' + value.map(encodeValue).join(',') + ']';
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value).sort(compareCodePoints);
    return '{' + keys.map((k) => encodeString(k) + ':' + encodeValue(value[k])).join(',') + '}';
  }
  throw new PledgeCryptoError(`type ${typeof value} is not allowed in canonical JSON`);
}

/** UTF-8 JSON with sorted keys, no insignificant whitespace, bytes as lowercase hex. */
export function canonicalJson(value) {
  return utf8(encodeValue(value));
}
