/**
 * Loading the campaign key and checking signatures over board and log data.
 *
 * Y = Σ_i C_i0 over the trustees' first commitments on the DKG board (docs/protocol.md §4). Ed25519
 * verification here follows libsodium's crypto_sign_verify_detached (what PyNaCl runs on the
 * server and in the verifier), so both sides accept exactly the same signatures.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, bytesToBigIntLE, concatBytes, equalBytes } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import { L, modL, Point, pointOrNull, sumPoints } from './group.js';

/** Y = sum of the trustees' C_i0 (each a valid point); returns its 32-byte encoding. */
export function computeY(firstCommitments) {
  return sumPoints(firstCommitments);
}

/**
 * Check that ``Y`` is a valid group element equal to the sum of ``firstCommitments`` (the
 * C_i0 of every trustee, from the board); returns Y, or throws PledgeCryptoError.
 */
export function checkY(Y, firstCommitments) {
  assertBytes(Y, 'Y', 32);
  if (pointOrNull(Y) === null) throw new PledgeCryptoError('Y is not a valid group element');
  if (!equalBytes(computeY(firstCommitments), Y)) {
    throw new PledgeCryptoError('Y does not match the trustees\' commitments');
  }
  return Y;
}

function decodesToSmallOrder(bytes) {
  try {
    return Point.fromBytes(bytes, true).isSmallOrder();
  } catch {
    return false;
  }
}

/**
 * Ed25519 verification with libsodium's rules: S < L; the public key canonical, decodable and
 * not of small order; R not of small order; and the encoding of S·B - k·A (k = SHA-512(R || A
 * || M) mod L) equal to R byte for byte (cofactorless). Returns true or false.
 */
export function verifyEd25519(publicKey, message, signature) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(message instanceof Uint8Array)) return false;
  const R = signature.slice(0, 32);
  const S = bytesToBigIntLE(signature.subarray(32));
  if (S >= L || decodesToSmallOrder(R)) return false;
  let A;
  try {
    A = Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  if (!equalBytes(A.toBytes(), publicKey) || A.isSmallOrder()) return false;
  const k = modL(bytesToBigIntLE(sha512(concatBytes(R, publicKey, message))));
  const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k));
  return equalBytes(check.toBytes(), R);
}
