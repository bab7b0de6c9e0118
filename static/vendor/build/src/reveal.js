/**
 * Reveal (docs/protocol.md §10), byte for byte as crypto/reveal.py: checking trustees' partial
 * decryptions, combining a quorum of them, and opening a ciphertext.
 *
 * Trustee j posts ``D_j || c || z`` (96 bytes) for an entry's ``R``: ``D_j = x_j·R`` with a
 * Chaum-Pedersen proof that ``log_G(Y_j) == log_R(D_j)``, bound to ``ad``:
 *   c == Hs("dleq", sc(j), Y_j, R, D_j, z·G - c·Y_j, z·R - c·D_j, ad).
 * Any t verified partials give ``K = Σ λ_j·D_j = r·Y`` (Lagrange at 0 over the quorum's
 * indices), which opens the box. Partials are public, so anyone (a browser included) can check
 * them and redo the decryption; everything here except partialDecrypt handles public values only.
 */
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, concatBytes, equalBytes, toHex } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import {
  decodePoint, L, modL, mulBaseSecret, mulPublic, mulSecret, Point, sc, scalarFromBytes,
  scalarToBytes,
} from './group.js';
import { H, Hs } from './hashing.js';
import { CIPHERTEXT_SIZE, NONCE_SIZE, unpadPayload } from './seal.js';

/** Size of a posted partial decryption: D_j (32) || c (32) || z (32). */
export const PARTIAL_SIZE = 96;

// --- helpers -------------------------------------------------------------------------------

/**
 * A trustee index as a bigint: a non-negative safe integer or a bigint below L, or, only for
 * the keys of a partials object (``keys``), its canonical decimal string. Else refused.
 */
function parseIndex(j, what, keys = false) {
  let value;
  if (typeof j === 'bigint') value = j;
  else if (typeof j === 'number' && Number.isSafeInteger(j)) value = BigInt(j);
  else if (keys && typeof j === 'string' && /^(?:0|[1-9][0-9]*)$/.test(j)) value = BigInt(j);
  else throw new PledgeCryptoError(`${what} must be a non-negative integer`);
  if (value < 0n || value >= L) throw new PledgeCryptoError(`${what} out of range`);
  return value;
}

/** Long-lived public keys (Y_j) are checked once, like crypto.group.parse_key. */
const KEY_CACHE = new Map();
const KEY_CACHE_SIZE = 256;

function decodeKey(bytes, what) {
  assertBytes(bytes, what, 32);
  const hex = toHex(bytes);
  const cached = KEY_CACHE.get(hex);
  if (cached !== undefined) return cached;
  const point = decodePoint(bytes, what); // throws on anything isValidPoint refuses
  if (KEY_CACHE.size >= KEY_CACHE_SIZE) KEY_CACHE.delete(KEY_CACHE.keys().next().value);
  KEY_CACHE.set(hex, point);
  return point;
}

function nonZeroScalar(bytes, what) {
  const value = scalarFromBytes(assertBytes(bytes, what, 32));
  if (value === 0n) throw new PledgeCryptoError(`${what} must not be zero`);
  return value;
}

function challenge(j, Yj, R, D, A1, A2, ad) {
  return Hs('dleq', [sc(j), Yj, R, D, A1, A2, ad]);
}

/** a^-1 mod L by the extended Euclidean algorithm (public values only). */
function invertModL(a) {
  let [r0, r1] = [L, modL(a)];
  if (r1 === 0n) throw new PledgeCryptoError('zero has no inverse');
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return modL(t0);
}

// --- partials ------------------------------------------------------------------------------

function splitPartial(partial) {
  assertBytes(partial, 'partial decryption', PARTIAL_SIZE);
  const D = partial.slice(0, 32);
  const c = partial.slice(32, 64);
  const z = partial.slice(64, 96);
  const Dpoint = decodePoint(D, 'D_j');
  return { D, c, z, Dpoint, cv: scalarFromBytes(c), zv: scalarFromBytes(z) };
}

/**
 * Split a 96-byte partial ``D_j || c || z``, checking the length, that D_j is a valid group
 * element and that c and z are canonical scalars. Returns {D, c, z} as bytes.
 */
export function parsePartial(partial) {
  const { D, c, z } = splitPartial(partial);
  return { D, c, z };
}

/**
 * Check trustee j's partial decryption (96 bytes) of the entry with ``R`` and ``ad`` against
 * its verification key ``Yj``; return ``D_j`` (32 bytes), or throw PledgeCryptoError.
 *
 * Yj, R and D_j must be valid group elements (as crypto_core_ed25519_is_valid_point), c and z
 * canonical scalars, and c == Hs("dleq", sc(j), Y_j, R, D_j, z·G - c·Y_j, z·R - c·D_j, ad).
 */
export function verifyPartial(j, Yj, R, ad, partial) {
  const index = parseIndex(j, 'trustee index');
  const YjPoint = decodeKey(Yj, 'Y_j');
  assertBytes(R, 'R', 32);
  const Rpoint = decodePoint(R, 'R');
  assertBytes(ad, 'ad');
  const { D, c, Dpoint, cv, zv } = splitPartial(partial);
  const A1 = mulPublic(Point.BASE, zv).subtract(mulPublic(YjPoint, cv)).toBytes();
  const A2 = mulPublic(Rpoint, zv).subtract(mulPublic(Dpoint, cv)).toBytes();
  const expected = challenge(index, Yj.slice(), R.slice(), D, A1, A2, ad.slice());
  if (!equalBytes(expected, c)) {
    throw new PledgeCryptoError('partial decryption proof does not verify');
  }
  return D;
}

/**
 * Trustee j's partial decryption ``D_j || c || z`` with share ``x`` (32-byte scalar), as
 * crypto.reveal.partial_decrypt. ONLY for reproducing tests/vectors/dleq.json and for tests:
 * in the product no browser ever holds a share; trustees decrypt with the offline
 * ``pledge-trustee`` tool (libsodium), and the browser only verifies and combines. Its scalar
 * arithmetic on x is BigInt, not constant time.
 *
 * ``k`` (32-byte non-zero scalar) is injectable for test vectors; by default it is
 * Hs("dleq-nonce", x, R, 32 random bytes), as on the Python side.
 */
export function partialDecrypt(j, x, Yj, R, ad, k) {
  const index = parseIndex(j, 'trustee index');
  const xv = nonZeroScalar(x, 'x');
  decodeKey(Yj, 'Y_j');
  assertBytes(R, 'R', 32);
  const Rpoint = decodePoint(R, 'R');
  assertBytes(ad, 'ad');
  const kBytes = k === undefined ? Hs('dleq-nonce', [x.slice(), R.slice(), randomBytes(32)]) : k;
  const kv = nonZeroScalar(kBytes, 'k');
  const D = mulSecret(Rpoint, xv).toBytes();
  const A1 = mulBaseSecret(kv).toBytes();
  const A2 = mulSecret(Rpoint, kv).toBytes();
  const c = challenge(index, Yj.slice(), R.slice(), D, A1, A2, ad.slice());
  const z = modL(kv + scalarFromBytes(c) * xv);
  return concatBytes(D, c, scalarToBytes(z));
}

// --- combining -----------------------------------------------------------------------------

const LAGRANGE_CACHE = new Map();
const LAGRANGE_CACHE_SIZE = 64;

/**
 * ``λ_j = Π_{m≠j} m / (m - j)`` (mod L) for each j of a quorum of distinct indices >= 1
 * (numbers or bigints). Returns a plain object: index (decimal string) -> 32-byte scalar,
 * in ascending order of index.
 */
export function lagrangeAtZero(indices) {
  if (!Array.isArray(indices) || indices.length === 0) {
    throw new PledgeCryptoError('a quorum is a non-empty set of distinct indices >= 1');
  }
  const quorum = indices.map((j) => parseIndex(j, 'quorum index'));
  const sorted = [...quorum].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted[0] < 1n || sorted.some((j, i) => i > 0 && j === sorted[i - 1])) {
    throw new PledgeCryptoError('a quorum is a non-empty set of distinct indices >= 1');
  }
  const cacheKey = sorted.join(',');
  let coefficients = LAGRANGE_CACHE.get(cacheKey);
  if (coefficients === undefined) {
    coefficients = sorted.map((j) => {
      let numerator = 1n;
      let denominator = 1n;
      for (const m of sorted) {
        if (m !== j) {
          numerator = modL(numerator * m);
          denominator = modL(denominator * (m - j));
        }
      }
      return [j.toString(), modL(numerator * invertModL(denominator))];
    });
    if (LAGRANGE_CACHE.size >= LAGRANGE_CACHE_SIZE) {
      LAGRANGE_CACHE.delete(LAGRANGE_CACHE.keys().next().value);
    }
    LAGRANGE_CACHE.set(cacheKey, coefficients);
  }
  const out = {};
  for (const [j, lambda] of coefficients) out[j] = scalarToBytes(lambda);
  return out;
}

function entriesOf(partials) {
  if (partials instanceof Map) return [...partials.entries()];
  if (partials !== null && typeof partials === 'object' && !Array.isArray(partials)
      && Object.getPrototypeOf(partials) === Object.prototype) {
    return Object.entries(partials);
  }
  throw new PledgeCryptoError('partials must be an object or a Map: index -> D_j');
}

/**
 * ``K = Σ λ_j·D_j`` from verified ``D_j`` values, given as {index: D_j} (a plain object, whose
 * keys are decimal indices, or a Map). Each D_j must be a valid group element; a sum that is
 * the identity is refused. Returns K (32 bytes).
 */
export function combine(partials) {
  const entries = entriesOf(partials).map(([j, D]) => [parseIndex(j, 'quorum index', true), D]);
  const lambdas = lagrangeAtZero(entries.map(([j]) => j));
  let K = Point.ZERO;
  for (const [j, D] of entries) {
    assertBytes(D, 'D_j', 32);
    const lambda = scalarFromBytes(lambdas[j.toString()]);
    K = K.add(mulPublic(decodePoint(D, 'D_j'), lambda));
  }
  if (K.is0()) throw new PledgeCryptoError('the partials combine to the identity');
  return K.toBytes();
}

/**
 * Open a ciphertext (R || e || s || box) with ``K = r·Y``; return the unpadded payload bytes.
 * Checks the ciphertext's length, R and the canonical form of e and s, but does not redo its
 * proof of knowledge (checkCiphertext does). Throws PledgeCryptoError if the box does not open
 * or the padding is wrong.
 */
export function openCiphertext(Y, ad, ciphertext, K) {
  assertBytes(Y, 'Y', 32);
  assertBytes(ad, 'ad');
  assertBytes(K, 'K', 32);
  assertBytes(ciphertext, 'ciphertext', CIPHERTEXT_SIZE);
  const R = ciphertext.slice(0, 32);
  decodePoint(R, 'R');
  scalarFromBytes(ciphertext.slice(32, 64));
  scalarFromBytes(ciphertext.slice(64, 96));
  const nonce = ciphertext.slice(96, 96 + NONCE_SIZE);
  const sealed = ciphertext.slice(96 + NONCE_SIZE);
  const key = H('kem', [Y.slice(), R, K.slice(), ad.slice()], 32);
  let padded;
  try {
    padded = xsalsa20poly1305(key, nonce).decrypt(sealed);
  } catch {
    throw new PledgeCryptoError('the box does not open with this key');
  }
  return unpadPayload(padded);
}

/** Combine verified D_j values from at least t trustees and open the ciphertext. */
export function decrypt(Y, ad, ciphertext, partials) {
  return openCiphertext(Y, ad, ciphertext, combine(partials));
}
