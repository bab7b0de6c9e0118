/**
 * PledgeSigning: what the sign page (sign.js) and the receipt page (receipt.js) share
 * (docs/signing-api.md): the JSON API without cookies, the entry's opening and its lab
 * commitment, the entry leaf, the receipt file, the Ed25519 withdrawal key, and small page
 * helpers.
 *
 * The vendored PledgeCrypto bundle verifies Ed25519 signatures but has no Ed25519 key
 * generation or signing, so the withdrawal key uses WebCrypto's Ed25519 (deterministic RFC 8032,
 * the same signatures libsodium makes), and every signature made here is checked with the
 * bundle's verifyEd25519 before it is used. Plain script; nothing here writes to the console.
 */
(function () {
  'use strict';

  const HEX = /^(?:[0-9a-f]{2})+$/;
  const HEX32 = /^[0-9a-f]{64}$/;
  const PUBLIC_ID = /^[0-9a-f]{32}$/;
  const RECEIPT_KIND = 'pledge-receipt';
  const RECEIPT_FIELDS = ['v', 'kind', 'server', 'campaign', 'slug', 'ctx', 'leaf_hash', 'nullifier', 'opening', 'withdrawal_secret'];
  const OPENING_FIELDS = ['nonce', 'prepared_message', 'slug', 'token_signature'];
  const ENTRY_FIELDS = ['ciphertext_sha256', 'kind', 'lab_commitment', 'nullifier', 'v', 'withdrawal_key'];
  const COMMITMENT_TAG = 'lab-commitment';
  const NONCE_BYTES = 32;
  const MAX_TOKEN_BYTES = 4096;
  const MAX_LAB_BYTES = 255;
  const HEAD_FIELDS = ['size', 'timestamp', 'root', 'signature'];
  const MAX_RECEIPT_BYTES = 64 * 1024;
  // PKCS #8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): the only form WebCrypto imports.
  const ED25519_PKCS8_PREFIX = Uint8Array.of(
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
  const WITHDRAW_PREFIX = 'pledge/v2/withdraw';

  /** An error whose message is written for the signer (the server's, or ours). */
  class ShownError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }

  function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function isHex(value, bytes) {
    if (typeof value !== 'string' || !HEX.test(value)) return false;
    return bytes === undefined || value.length === 2 * bytes;
  }

  // --- the JSON API -------------------------------------------------------------------------

  /** GET (no body) or POST JSON to this site, without cookies; resolves to {status, ok, data}. */
  async function requestJson(path, body) {
    const init = {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ShownError('The server could not be reached. Check your connection and try again.');
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, ok: response.ok, data: isPlainObject(data) ? data : null };
  }

  /** The server's message for a failed call, or a plain one of ours. */
  function failure(result) {
    if (result.data && typeof result.data.message === 'string' && result.data.message) {
      return new ShownError(result.data.message, result.data.error);
    }
    return new ShownError(`The server could not handle this request (status ${result.status}). Please try again later.`);
  }

  /** The API path of a campaign, e.g. apiPath('slug', 'board'). */
  function apiPath(slug, ...rest) {
    return ['/api/campaigns', encodeURIComponent(slug), ...rest].join('/');
  }

  // --- the Ed25519 withdrawal key --------------------------------------------------------------

  async function importSeed(seed) {
    const pkcs8 = PledgeCrypto.concatBytes(ED25519_PKCS8_PREFIX, seed);
    try {
      return await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    } catch {
      throw new ShownError('This browser cannot make Ed25519 signatures, which withdrawal needs. '
        + 'Use an up-to-date browser, or the command-line signer pledge-sign.');
    }
  }

  function fromBase64Url(text) {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  }

  /**
   * The withdrawal key of a 32-byte seed: {publicKey, sign(message)}. Each signature is checked
   * with the bundle's libsodium-compatible verifier before it is returned.
   */
  async function withdrawalKey(seed) {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new ShownError('A withdrawal secret is 32 bytes.');
    const key = await importSeed(seed);
    const publicKey = fromBase64Url((await crypto.subtle.exportKey('jwk', key)).x);
    async function sign(message) {
      const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, message));
      if (!PledgeCrypto.verifyEd25519(publicKey, message, signature)) {
        throw new ShownError('This browser made an Ed25519 signature that does not verify; nothing was sent.');
      }
      return signature;
    }
    return { publicKey, sign };
  }

  /** A fresh withdrawal seed and its key; checks once that signing works before it is used. */
  async function newWithdrawalKey() {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const key = await withdrawalKey(seed);
    await key.sign(PledgeCrypto.utf8('pledge/self-test'));
    return { seed, ...key };
  }

  /** b"pledge/v2/withdraw" || nullifier: what a withdrawal signs. */
  function withdrawalMessage(nullifier) {
    return PledgeCrypto.concatBytes(PledgeCrypto.utf8(WITHDRAW_PREFIX), nullifier);
  }

  // --- the opening, its lab commitment, and the entry leaf (docs/protocol.md §7) ----------------

  /**
   * A fresh opening for the token (``lab`` is its lab's slug, the others hex): a new 32-byte
   * nonce for every entry, so two commitments to the same lab look unrelated.
   */
  function newOpening(lab, preparedHex, signatureHex) {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    return { nonce: PledgeCrypto.toHex(nonce), prepared_message: preparedHex, slug: lab, token_signature: signatureHex };
  }

  function hexBytesWithin(value, low, high) {
    return isHex(value) && value.length >= 2 * low && value.length <= 2 * high;
  }

  /** True when ``doc`` is an opening: exactly its four fields, lowercase hex, a 1..255-byte lab. */
  function isOpening(doc) {
    if (!isPlainObject(doc)) return false;
    const keys = Object.keys(doc);
    if (keys.length !== OPENING_FIELDS.length || !OPENING_FIELDS.every((field) => keys.includes(field))) return false;
    if (typeof doc.slug !== 'string') return false;
    let labBytes;
    try {
      labBytes = PledgeCrypto.utf8(doc.slug).length;
    } catch {
      return false; // a lone surrogate
    }
    return labBytes >= 1 && labBytes <= MAX_LAB_BYTES && HEX32.test(doc.nonce)
      && hexBytesWithin(doc.prepared_message, 33, MAX_TOKEN_BYTES) && hexBytesWithin(doc.token_signature, 1, MAX_TOKEN_BYTES);
  }

  /** ``H("lab-commitment", utf8(slug), prepared_message, token_signature, nonce; n=32)`` of an opening. */
  function labCommitment(opening) {
    const C = PledgeCrypto;
    return C.H(COMMITMENT_TAG, [C.utf8(opening.slug), C.fromHex(opening.prepared_message),
      C.fromHex(opening.token_signature), C.fromHex(opening.nonce)], 32);
  }

  /** The canonical JSON of an entry leaf (Uint8Array fields: 32 bytes each). */
  function entryLeaf({ ciphertextSha256, labCommitment: commitment, nullifier, withdrawalKey }) {
    return PledgeCrypto.canonicalJson({
      ciphertext_sha256: ciphertextSha256, kind: 'entry', lab_commitment: commitment, nullifier,
      v: PledgeCrypto.WIRE_VERSION, withdrawal_key: withdrawalKey,
    });
  }

  /**
   * A published leaf read as an entry: its fields as hex, or null when the bytes are not
   * exactly the canonical JSON of an entry leaf.
   */
  function parseEntryLeaf(bytes) {
    let doc;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return null;
    }
    if (!isPlainObject(doc) || doc.kind !== 'entry' || doc.v !== PledgeCrypto.WIRE_VERSION) return null;
    const keys = Object.keys(doc);
    if (keys.length !== ENTRY_FIELDS.length || !ENTRY_FIELDS.every((field) => keys.includes(field))) return null;
    if (!['ciphertext_sha256', 'lab_commitment', 'nullifier', 'withdrawal_key'].every((field) => HEX32.test(doc[field]))) return null;
    const again = entryLeaf({
      ciphertextSha256: PledgeCrypto.fromHex(doc.ciphertext_sha256), labCommitment: PledgeCrypto.fromHex(doc.lab_commitment),
      nullifier: PledgeCrypto.fromHex(doc.nullifier), withdrawalKey: PledgeCrypto.fromHex(doc.withdrawal_key),
    });
    return PledgeCrypto.equalBytes(again, bytes) ? doc : null;
  }

  // --- the receipt file ------------------------------------------------------------------------

  function makeReceipt({ campaign, slug, ctx, leafHash, nullifier, opening, seed }) {
    return {
      v: PledgeCrypto.WIRE_VERSION, kind: RECEIPT_KIND, server: window.location.origin, campaign, slug, ctx: PledgeCrypto.toHex(ctx),
      leaf_hash: leafHash, nullifier: PledgeCrypto.toHex(nullifier), opening, withdrawal_secret: PledgeCrypto.toHex(seed),
    };
  }

  function receiptText(receipt) {
    return `${JSON.stringify(receipt, null, 2)}\n`;
  }

  /**
   * ``pledge-receipt-<8 random hex digits>.json``: a download name that names no campaign (a
   * file name shows in download lists, backups and searches), different for every download.
   */
  function receiptFileName() {
    return `pledge-receipt-${PledgeCrypto.toHex(crypto.getRandomValues(new Uint8Array(4)))}.json`;
  }

  /** True when ``head`` is a kept tree head: exactly its four fields, well formed. */
  function isKeptHead(head) {
    if (!isPlainObject(head)) return false;
    const keys = Object.keys(head);
    return keys.length === HEAD_FIELDS.length && HEAD_FIELDS.every((field) => keys.includes(field))
      && Number.isSafeInteger(head.size) && head.size > 0 && Number.isSafeInteger(head.timestamp) && head.timestamp >= 0
      && HEX32.test(head.root) && /^[0-9a-f]{128}$/.test(head.signature);
  }

  /**
   * True when ``doc`` has exactly the receipt fields (``head`` optional), well formed, and its
   * opening is the token of its nullifier.
   */
  function isReceipt(doc) {
    if (!isPlainObject(doc)) return false;
    const keys = Object.keys(doc).filter((key) => key !== 'head');
    if ('head' in doc && !isKeptHead(doc.head)) return false;
    return keys.length === RECEIPT_FIELDS.length && RECEIPT_FIELDS.every((field) => keys.includes(field))
      && HEX32.test(doc.ctx) && doc.v === PledgeCrypto.WIRE_VERSION && doc.kind === RECEIPT_KIND && typeof doc.server === 'string'
      && typeof doc.campaign === 'string' && PUBLIC_ID.test(doc.campaign)
      && typeof doc.slug === 'string' && doc.slug.length > 0 && doc.slug.length <= 200
      && HEX32.test(doc.leaf_hash) && HEX32.test(doc.nullifier) && HEX32.test(doc.withdrawal_secret)
      && isOpening(doc.opening)
      && PledgeCrypto.toHex(PledgeCrypto.nullifier(PledgeCrypto.fromHex(doc.opening.prepared_message))) === doc.nullifier;
  }

  /**
   * Read a receipt from text: the receipt file, or a bare 64-character leaf hash (which can be
   * checked but not withdrawn). Resolves to {receipt} or {leafHash}; throws a ShownError.
   */
  function parseReceipt(text) {
    const trimmed = String(text).trim();
    if (trimmed.length > MAX_RECEIPT_BYTES) throw new ShownError('That is too large to be a receipt.');
    const lower = trimmed.toLowerCase();
    if (HEX32.test(lower)) return { leafHash: lower };
    let doc;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new ShownError('That is not a receipt: paste the whole receipt file, or its 64-character leaf hash.');
    }
    if (!isReceipt(doc)) throw new ShownError('That is not a Pledge receipt, or it is damaged.');
    return { receipt: doc };
  }

  // --- page helpers ----------------------------------------------------------------------------

  /** Download ``text`` as a file through a Blob URL: nothing leaves the browser. */
  function downloadText(fileName, text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /** Copy the text of a read-only textarea; false when the browser refused (it stays selected). */
  async function copyFrom(textarea) {
    textarea.focus();
    textarea.select();
    try {
      await navigator.clipboard.writeText(textarea.value);
      return true;
    } catch {
      return false;
    }
  }

  /** A status region: say(message, 'ok' | 'error' | 'busy' | null). */
  function statusLine(element) {
    return function say(message, kind) {
      element.textContent = message;
      for (const name of ['error', 'ok', 'busy']) element.classList.toggle(`is-${name}`, kind === name);
    };
  }

  /** Seconds since the epoch as ``2026-12-31 17:00 UTC`` (the site's spelling). */
  function formatUtc(seconds) {
    return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }

  function supported() {
    return typeof window.PledgeCrypto === 'object' && window.indexedDB && window.crypto
      && window.crypto.subtle && typeof window.fetch === 'function';
  }

  window.PledgeSigning = Object.freeze({
    ShownError, isPlainObject, isHex, requestJson, failure, apiPath,
    withdrawalKey, newWithdrawalKey, withdrawalMessage,
    newOpening, isOpening, labCommitment, entryLeaf, parseEntryLeaf,
    makeReceipt, receiptText, receiptFileName, isReceipt, parseReceipt,
    downloadText, copyFrom, statusLine, formatUtc, supported,
  });
}());
