/**
 * The token message of docs/protocol.md §5, encoded as crypto/blindrsa.py fixes it (every length a u64
 * little-endian byte count, so that no two (campaign, lab) pairs give the same bytes):
 *
 *   b"pledge-token/v2"
 *   || u64le(len(campaign_id)) || campaign_id   1..255 bytes, the campaign's id as bytes
 *   || u64le(len(lab)) || lab                   1..255 bytes, the lab slug in UTF-8
 *   || nonce                                    32 random bytes
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, concatBytes, u64le, utf8 } from './bytes.js';
import { PledgeCryptoError } from './errors.js';

const TOKEN_TAG = utf8('pledge-token/v2');
export const TOKEN_NONCE_LENGTH = 32;
const MAX_FIELD = 255;

function field(value, what) {
  if (value.length < 1 || value.length > MAX_FIELD) {
    throw new PledgeCryptoError(`${what} must be 1..${MAX_FIELD} bytes`);
  }
  return concatBytes(u64le(value.length), value);
}

/**
 * The token message for ``campaignId`` (bytes) and ``labSlug`` (a string, sent as UTF-8);
 * ``nonce`` (32 bytes) is only for tests, it is fresh randomness otherwise.
 */
export function tokenMessage(campaignId, labSlug, nonce) {
  assertBytes(campaignId, 'campaign id');
  if (typeof labSlug !== 'string') throw new PledgeCryptoError('lab slug must be a string');
  const fresh = nonce === undefined ? randomBytes(TOKEN_NONCE_LENGTH)
    : assertBytes(nonce, 'token nonce', TOKEN_NONCE_LENGTH);
  return concatBytes(TOKEN_TAG, field(campaignId, 'campaign id'), field(utf8(labSlug), 'lab slug'),
    fresh);
}
