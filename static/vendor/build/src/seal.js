/**
 * Sealing a signature in the browser (docs/protocol.md §6) and the public ciphertext check.
 *
 * ciphertext = R || e || s || box, where R = r·G, K = r·Y, key = H("kem", Y, R, K, ad; n=32),
 * box = nonce || XSalsa20-Poly1305(key, nonce, padded payload) and (e, s) is a Schnorr proof of
 * knowledge of r bound to the whole ciphertext: e = Hs("ct-pok", Y, R, w·G, ad, box), s = w + e·r.
 */
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, concatBytes, equalBytes } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import {
  decodePoint, modL, mulBaseSecret, mulPublic, mulSecret, pointOrNull, Point, randomScalar,
  scalarFromBytes, scalarToBytes,
} from './group.js';
import { canonicalJson, H, Hs } from './hashing.js';
import { WIRE_VERSION } from './version.js';

export const PADDED_SIZE = 1024;
export const NONCE_SIZE = 24;
export const BOX_SIZE = NONCE_SIZE + 16 + PADDED_SIZE;
export const CIPHERTEXT_SIZE = 32 + 32 + 32 + BOX_SIZE; // 1160
const DISPLAY_CHOICES = ['name', 'anonymous'];
const PAYLOAD_KEYS = ['display', 'name', 'role', 'statement', 'v'];

/**
 * Canonical JSON of a signature payload {"v":2,"name","role","statement","display"}; the
 * object must have exactly these keys, strings for the text and "name" or "anonymous".
 */
export function payloadBytes(payload) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new PledgeCryptoError('payload must be an object');
  }
  const keys = Object.keys(payload).sort();
  if (keys.length !== PAYLOAD_KEYS.length || keys.some((k, i) => k !== PAYLOAD_KEYS[i])) {
    throw new PledgeCryptoError('payload must have exactly v, name, role, statement, display');
  }
  if (payload.v !== WIRE_VERSION) throw new PledgeCryptoError(`payload version must be ${WIRE_VERSION}`);
  for (const field of ['name', 'role', 'statement']) {
    if (typeof payload[field] !== 'string') throw new PledgeCryptoError(`${field} must be text`);
  }
  if (!DISPLAY_CHOICES.includes(payload.display)) {
    throw new PledgeCryptoError('display must be "name" or "anonymous"');
  }
  return canonicalJson(payload);
}

/** Pad to exactly 1024 bytes with 0x80 then zeros; a payload over 1023 bytes is refused. */
export function padPayload(bytes) {
  assertBytes(bytes, 'payload');
  if (bytes.length > PADDED_SIZE - 1) throw new PledgeCryptoError('payload too long');
  const out = new Uint8Array(PADDED_SIZE);
  out.set(bytes);
  out[bytes.length] = 0x80;
  return out;
}

/** Undo padPayload, refusing anything that is not 1024 bytes of payload, 0x80 and zeros. */
export function unpadPayload(padded) {
  assertBytes(padded, 'padded payload', PADDED_SIZE);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new PledgeCryptoError('bad padding');
  return padded.slice(0, end);
}

/** ad = ctx || nullifier (32 bytes each). */
export function sealAd(ctx, nullifier) {
  return concatBytes(assertBytes(ctx, 'ctx', 32), assertBytes(nullifier, 'nullifier', 32));
}

function nonZeroScalar(bytes, what) {
  const value = scalarFromBytes(assertBytes(bytes, what, 32));
  if (value === 0n) throw new PledgeCryptoError(`${what} must not be zero`);
  return value;
}

/**
 * Seal ``payload`` (a payload object, or its bytes unpadded) under the campaign key ``Y`` with
 * associated data ``ad``. ``fixed`` = {r, w, nonce} (bytes) is only for test vectors; normally
 * all three are fresh randomness. Returns the 1160-byte ciphertext.
 */
export function seal(Y, ad, payload, fixed = {}) {
  const Ypoint = decodePoint(assertBytes(Y, 'Y', 32), 'Y');
  assertBytes(ad, 'ad');
  const plain = payload instanceof Uint8Array ? payload : payloadBytes(payload);
  const padded = padPayload(plain);
  const r = fixed.r === undefined ? randomScalar() : nonZeroScalar(fixed.r, 'r');
  const w = fixed.w === undefined ? randomScalar() : nonZeroScalar(fixed.w, 'w');
  const nonce = fixed.nonce === undefined ? randomBytes(NONCE_SIZE)
    : assertBytes(fixed.nonce, 'nonce', NONCE_SIZE);

  const R = mulBaseSecret(r).toBytes();
  const K = mulSecret(Ypoint, r).toBytes();
  const key = H('kem', [Y, R, K, ad], 32);
  const box = concatBytes(nonce, xsalsa20poly1305(key, nonce).encrypt(padded));
  const W = mulBaseSecret(w).toBytes();
  const e = scalarFromBytes(Hs('ct-pok', [Y, R, W, ad, box]));
  const s = modL(w + e * r);
  return concatBytes(R, scalarToBytes(e), scalarToBytes(s), box);
}

/**
 * The public check anyone runs on a ciphertext: right length, R a valid point, e and s
 * canonical, and e == Hs("ct-pok", Y, R, s·G - e·R, ad, box). Returns true or false.
 */
export function checkCiphertext(Y, ad, ciphertext) {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== CIPHERTEXT_SIZE) return false;
  if (pointOrNull(Y) === null || !(ad instanceof Uint8Array)) return false;
  const Rbytes = ciphertext.subarray(0, 32);
  const Rpoint = pointOrNull(Rbytes);
  if (Rpoint === null) return false;
  let e;
  let s;
  try {
    e = scalarFromBytes(ciphertext.slice(32, 64));
    s = scalarFromBytes(ciphertext.slice(64, 96));
  } catch {
    return false;
  }
  const box = ciphertext.slice(96);
  const W = mulPublic(Point.BASE, s).subtract(mulPublic(Rpoint, e)).toBytes();
  const expected = Hs('ct-pok', [Y, Rbytes.slice(), W, ad, box]);
  return equalBytes(expected, ciphertext.slice(32, 64));
}
