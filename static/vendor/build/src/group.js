/**
 * The prime-order subgroup of edwards25519 (docs/protocol.md §1) on @noble/curves.
 *
 * Points travel as 32-byte canonical encodings and every point received from anyone must pass
 * isValidPoint, which accepts exactly what libsodium's crypto_core_ed25519_is_valid_point accepts.
 * Scalars are 32-byte little-endian and must be below L when parsed.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, bigIntToBytesLE, bytesToBigIntLE, equalBytes } from './bytes.js';
import { PledgeCryptoError } from './errors.js';

export const Point = ed25519.Point;

/** Order of the prime-order subgroup. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** a mod L, always non-negative. */
export function modL(a) {
  const r = a % L;
  return r < 0n ? r + L : r;
}

/** crypto_core_ed25519_scalar_reduce: 64 bytes, read little-endian, reduced mod L. */
export function scalarReduce(bytes64) {
  assertBytes(bytes64, 'scalar input', 64);
  return bigIntToBytesLE(modL(bytesToBigIntLE(bytes64)), 32);
}

/** Parse a 32-byte little-endian scalar; values >= L are refused. */
export function scalarFromBytes(bytes) {
  assertBytes(bytes, 'scalar', 32);
  const value = bytesToBigIntLE(bytes);
  if (value >= L) throw new PledgeCryptoError('scalar is not canonical');
  return value;
}

/** A scalar below L as 32 little-endian bytes. */
export function scalarToBytes(value) {
  if (typeof value !== 'bigint' || value < 0n || value >= L) {
    throw new PledgeCryptoError('scalar out of range');
  }
  return bigIntToBytesLE(value, 32);
}

/** sc(i): a small non-negative integer as a 32-byte little-endian scalar. */
export function sc(i) {
  return scalarToBytes(BigInt(i));
}

/** A uniformly random non-zero scalar: 64 random bytes reduced mod L, zero rejected. */
export function randomScalar() {
  for (;;) {
    const value = bytesToBigIntLE(scalarReduce(randomBytes(64)));
    if (value !== 0n) return value;
  }
}

/**
 * Decode ``bytes`` into a point, or return null, accepting exactly what
 * crypto_core_ed25519_is_valid_point accepts: a canonical encoding (y < p, no "negative zero"
 * x), on the curve, not the identity, and in the prime-order subgroup (L·P is the identity),
 * which also excludes every small-order and every torsioned point.
 */
export function pointOrNull(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return null;
  let point;
  try {
    point = Point.fromBytes(bytes, false); // strict RFC 8032 decoding: refuses y >= p
  } catch {
    return null;
  }
  if (!equalBytes(point.toBytes(), bytes)) return null;
  if (point.is0()) return null;
  // L·P computed as (L-1)·P + P, since noble refuses the scalar L itself.
  if (!point.multiplyUnsafe(L - 1n).add(point).is0()) return null;
  return point;
}

/** True when ``bytes`` is a valid group element (see pointOrNull). */
export function isValidPoint(bytes) {
  return pointOrNull(bytes) !== null;
}

/** Decode a received point, refusing anything isValidPoint refuses. */
export function decodePoint(bytes, what = 'point') {
  const point = pointOrNull(bytes);
  if (point === null) throw new PledgeCryptoError(`${what} is not a valid group element`);
  return point;
}

/** s·G for a secret scalar 1 <= s < L (noble's constant-time ladder). */
export function mulBaseSecret(s) {
  return Point.BASE.multiply(s);
}

/** s·P for a secret scalar 1 <= s < L. */
export function mulSecret(point, s) {
  return point.multiply(s);
}

/** s·P for a public scalar 0 <= s < L (variable time, fine for verification). */
export function mulPublic(point, s) {
  return point.multiplyUnsafe(s);
}

/** Sum of valid points given as 32-byte encodings; returns the 32-byte encoding of the sum. */
export function sumPoints(encodings) {
  if (!Array.isArray(encodings) || encodings.length === 0) {
    throw new PledgeCryptoError('need at least one point');
  }
  let total = Point.ZERO;
  for (const encoding of encodings) total = total.add(decodePoint(encoding));
  return total.toBytes();
}
