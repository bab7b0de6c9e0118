/**
 * PledgeCrypto: the signer's half of Pledge's cryptography, for the browser (docs/protocol.md §5–§7),
 * and the public half of the reveal (checking partials, combining them, opening; §4.4).
 *
 * Bundled by esbuild into one IIFE file (static/vendor/pledge-crypto.js) that defines the global
 * PledgeCrypto; see static/vendor/BUNDLE.md for versions, the build command and the hash.
 * Everything takes and returns Uint8Array; hex helpers convert at the edges.
 */
export { PledgeCryptoError } from './errors.js';
export {
  bytesToBigIntLE, concatBytes, equalBytes, fromHex, toHex, u64le, utf8,
} from './bytes.js';
export { canonicalJson, H, Hs } from './hashing.js';
export {
  decodePoint, isValidPoint, L, randomScalar, sc, scalarFromBytes, scalarReduce, scalarToBytes,
  sumPoints,
} from './group.js';
export {
  BOX_SIZE, checkCiphertext, CIPHERTEXT_SIZE, PADDED_SIZE, padPayload, payloadBytes, seal, sealAd,
  unpadPayload,
} from './seal.js';
export { checkY, computeY, verifyEd25519 } from './keys.js';
export {
  combine, decrypt, lagrangeAtZero, openCiphertext, PARTIAL_SIZE, parsePartial, partialDecrypt,
  verifyPartial,
} from './reveal.js';
export {
  blindToken, finalizeToken, importTokenKey, nullifier, prepareToken, requestToken, tokenMessage,
  verifyToken,
} from './tokens.js';
export {
  EMPTY_ROOT, leafHash, nodeHash, rootFromLeafHashes, treeHeadMessage, verifyConsistency,
  verifyInclusion, verifyTreeHead,
} from './merkle.js';
export { WIRE_FORMAT, WIRE_VERSION } from './version.js';
