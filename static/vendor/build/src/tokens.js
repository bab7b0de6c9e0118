/**
 * Blind-signed tokens (docs/protocol.md §5): RFC 9474 RSABSSA-SHA384-PSS-Randomized, client side.
 *
 * The RFC 9474 protocol steps (PSS encoding, blinding, unblinding and the final signature
 * check) are @cloudflare/blindrsa-ts; WebCrypto imports the SPKI public key and verifies
 * (RSA-PSS, SHA-384, MGF1-SHA-384, 48-byte salt). This module adds the Pledge framing: the
 * token message, the randomised preparation and the nullifier.
 */
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, concatBytes, toHex, utf8 } from './bytes.js';
import { PledgeCryptoError } from './errors.js';
import { tokenMessage } from './token_message.js';

export { tokenMessage };

const RSA_PSS_SHA384 = { name: 'RSA-PSS', hash: 'SHA-384' };
const SALT_LENGTH = 48;
export const PREFIX_LENGTH = 32;
const NULLIFIER_TAG = utf8('pledge-nullifier/v2');

function suite() {
  return RSABSSA.SHA384.PSS.Randomized();
}

/**
 * Import a token public key (DER SubjectPublicKeyInfo bytes) for RSA-PSS with SHA-384. Like
 * crypto/blindrsa.py, only RSA keys of 2048..4096 bits with e = 65537 are accepted.
 */
export async function importTokenKey(spki) {
  assertBytes(spki, 'token public key');
  let key;
  try {
    // extractable: blindrsa-ts reads the modulus and exponent back out of the key
    key = await crypto.subtle.importKey('spki', spki, RSA_PSS_SHA384, true, ['verify']);
  } catch {
    throw new PledgeCryptoError('token public key is not an RSA SubjectPublicKeyInfo');
  }
  const { modulusLength, publicExponent } = key.algorithm;
  if (modulusLength < 2048 || modulusLength > 4096 || toHex(publicExponent) !== '010001') {
    throw new PledgeCryptoError('token keys are RSA 2048..4096 bits with e = 65537');
  }
  return key;
}

async function asKey(publicKey) {
  return publicKey instanceof Uint8Array ? importTokenKey(publicKey) : publicKey;
}

/** RFC 9474 Prepare (randomized): 32 random bytes || message; ``prefix`` only for vectors. */
export function prepareToken(message, prefix) {
  assertBytes(message, 'token message');
  const msgPrefix = prefix === undefined ? randomBytes(PREFIX_LENGTH)
    : assertBytes(prefix, 'message prefix', PREFIX_LENGTH);
  return concatBytes(msgPrefix, message);
}

/** RFC 9474 Blind: returns {blindedMsg, inv} (both modulus-length big-endian bytes). */
export async function blindToken(publicKey, preparedMessage) {
  assertBytes(preparedMessage, 'prepared message');
  const key = await asKey(publicKey);
  try {
    return await suite().blind(key, preparedMessage);
  } catch {
    throw new PledgeCryptoError('cannot blind this message under this key');
  }
}

/** RFC 9474 Finalize: unblind ``blindSig`` with ``inv``; throws unless the result verifies. */
export async function finalizeToken(publicKey, preparedMessage, blindSig, inv) {
  assertBytes(preparedMessage, 'prepared message');
  assertBytes(blindSig, 'blind signature');
  assertBytes(inv, 'inverse');
  const key = await asKey(publicKey);
  try {
    return await suite().finalize(key, preparedMessage, blindSig, inv);
  } catch {
    throw new PledgeCryptoError('blind signature does not finalize to a valid signature');
  }
}

/** RSASSA-PSS verification (SHA-384, 48-byte salt) of a token; true or false. */
export async function verifyToken(publicKey, preparedMessage, signature) {
  if (!(preparedMessage instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  const key = await asKey(publicKey);
  try {
    return await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: SALT_LENGTH }, key,
      signature, preparedMessage);
  } catch {
    return false;
  }
}

/** nullifier = SHA-256(b"pledge-nullifier/v2" || prepared_message). */
export function nullifier(preparedMessage) {
  return sha256(concatBytes(NULLIFIER_TAG, assertBytes(preparedMessage, 'prepared message')));
}

/**
 * Start one token for (campaign, lab): a fresh token message, prepared and blinded. Keep
 * ``prepared`` and ``inv`` locally; send only ``blindedMsg`` to the issuer.
 */
export async function requestToken(publicKey, campaignId, labSlug) {
  const prepared = prepareToken(tokenMessage(campaignId, labSlug));
  const { blindedMsg, inv } = await blindToken(publicKey, prepared);
  return { prepared, blindedMsg, inv };
}
