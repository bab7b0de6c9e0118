/**
 * PledgeTokens: the signer's tokens kept in this browser (docs/affiliation-api.md §5).
 *
 * IndexedDB database "pledge", object store "tokens", keyed by the campaign's public id; a
 * token already held is never replaced. Also the §5 file format (export and checked import)
 * and the check that a token verifies under the key it carries. Used by the /verify page and
 * the sign page; ``forget`` deletes the whole database ("Clear this browser's Pledge data").
 * Plain script: defines the global PledgeTokens and needs the vendored PledgeCrypto. Nothing
 * here writes to the console.
 */
(function () {
  'use strict';

  const DB_NAME = 'pledge';
  const DB_STORE = 'tokens';
  const DB_VERSION = 1;
  const FILE_KIND = 'pledge-tokens';
  const MAX_FILE_BYTES = 2 * 1024 * 1024;
  const MAX_FILE_TOKENS = 1000;
  const FIELDS = ['campaign', 'slug', 'title', 'lab', 'token_key', 'prepared', 'signature'];
  const PUBLIC_ID = /^[0-9a-f]{32}$/;
  const HEX = /^(?:[0-9a-f]{2})+$/;
  const PREFIX_LENGTH = 32;
  const NONCE_LENGTH = 32;
  const TOKEN_TAG = 'pledge-token/v2';

  /** A failure whose message is written for the signer. */
  class TokenStoreError extends Error {}

  function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function isHex(value) {
    return typeof value === 'string' && HEX.test(value);
  }

  function text(value, max) {
    return typeof value === 'string' && value.length > 0 && value.length <= max;
  }

  /** Only the §5 fields, in their documented order. */
  function pick(token) {
    return Object.fromEntries(FIELDS.map((field) => [field, token[field]]));
  }

  // --- IndexedDB ------------------------------------------------------------------------------

  let opened = null;

  function openDb() {
    if (opened === null) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          if (!request.result.objectStoreNames.contains(DB_STORE)) {
            request.result.createObjectStore(DB_STORE, { keyPath: 'campaign' });
          }
        };
        request.onsuccess = () => {
          // Let another tab delete or upgrade the database: close this connection when asked.
          request.result.onversionchange = () => { request.result.close(); opened = null; };
          resolve(request.result);
        };
        request.onerror = () => reject(new TokenStoreError(
          'This browser does not let this site store tokens (is this a private window?).'));
        request.onblocked = () => reject(new TokenStoreError(
          'Close the other tabs of this site, then reload this page.'));
      });
      opened.catch(() => { opened = null; });
    }
    return opened;
  }

  /** Every token held, in no particular order. */
  async function all() {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const request = db.transaction(DB_STORE, 'readonly').objectStore(DB_STORE).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new TokenStoreError('The tokens stored in this browser could not be read.'));
    });
  }

  /**
   * Store tokens, never replacing one already held for the same campaign (``add``, not
   * ``put``). Resolves to {added, kept}: the tokens stored, and those skipped.
   */
  async function add(tokens) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const added = [];
      const kept = [];
      const tx = db.transaction(DB_STORE, 'readwrite');
      const store = tx.objectStore(DB_STORE);
      for (const token of tokens) {
        const request = store.add(pick(token));
        request.onsuccess = () => added.push(token);
        request.onerror = (event) => {
          if (request.error && request.error.name === 'ConstraintError') {
            event.preventDefault(); // one already held: keep it, and let the others through
            kept.push(token);
          }
        };
      }
      tx.oncomplete = () => resolve({ added, kept });
      tx.onabort = () => reject(new TokenStoreError('The tokens could not be stored in this browser.'));
    });
  }

  /** Delete every token this browser holds, with their database ("used" marks included). */
  async function forget() {
    if (opened !== null) {
      const pending = opened;
      opened = null;
      try {
        (await pending).close();
      } catch {
        // never opened: nothing to close
      }
    }
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(new TokenStoreError('The tokens stored in this browser could not be deleted.'));
      request.onblocked = () => reject(new TokenStoreError(
        'Another tab of this site still has the tokens open: close it, then try again.'));
    });
  }

  // --- checking a token -------------------------------------------------------------------------

  function readU64(bytes, offset) {
    let value = 0;
    for (let i = 7; i >= 0; i--) value = value * 256 + bytes[offset + i];
    return value;
  }

  /** The (campaign, lab) named inside a prepared token message, or null if it is not one. */
  function parsePrepared(prepared) {
    const tag = new TextEncoder().encode(TOKEN_TAG);
    let offset = PREFIX_LENGTH;
    if (!PledgeCrypto.equalBytes(prepared.subarray(offset, offset + tag.length), tag)) return null;
    offset += tag.length;
    const fields = [];
    for (let i = 0; i < 2; i++) {
      if (prepared.length < offset + 8) return null;
      const length = readU64(prepared, offset);
      offset += 8;
      if (length < 1 || length > 255 || prepared.length < offset + length) return null;
      fields.push(prepared.subarray(offset, offset + length));
      offset += length;
    }
    if (prepared.length !== offset + NONCE_LENGTH) return null;
    try {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      return { campaign: decoder.decode(fields[0]), lab: decoder.decode(fields[1]) };
    } catch {
      return null;
    }
  }

  function wellFormed(token) {
    if (!isPlainObject(token)) return false;
    const keys = Object.keys(token);
    return keys.length === FIELDS.length && FIELDS.every((field) => keys.includes(field))
      && typeof token.campaign === 'string' && PUBLIC_ID.test(token.campaign)
      && text(token.slug, 200) && text(token.title, 500) && text(token.lab, 255)
      && [token.token_key, token.prepared, token.signature].every(isHex);
  }

  /**
   * True when ``token`` has exactly the §5 fields, its prepared message names its own campaign
   * and lab, and its signature verifies under the key it carries.
   */
  async function isValid(token) {
    if (!wellFormed(token)) return false;
    const prepared = PledgeCrypto.fromHex(token.prepared);
    const inside = parsePrepared(prepared);
    if (inside === null || inside.campaign !== token.campaign || inside.lab !== token.lab) return false;
    try {
      const key = await PledgeCrypto.importTokenKey(PledgeCrypto.fromHex(token.token_key));
      return await PledgeCrypto.verifyToken(key, prepared, PledgeCrypto.fromHex(token.signature));
    } catch {
      return false;
    }
  }

  // --- the §5 file ------------------------------------------------------------------------------

  /** The §5 document for ``tokens``, sorted by campaign id. */
  function fileDocument(tokens) {
    const sorted = [...tokens].sort((a, b) => (a.campaign < b.campaign ? -1 : 1));
    return { v: PledgeCrypto.WIRE_VERSION, kind: FILE_KIND, tokens: sorted.map(pick) };
  }

  /**
   * Read a §5 file (a File or Blob) and check every token in it; resolves to the tokens, or
   * rejects with a TokenStoreError that says why the whole file was refused.
   */
  async function readFile(file) {
    if (file.size > MAX_FILE_BYTES) throw new TokenStoreError('That file is too large to be a token file. Nothing was imported.');
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      throw new TokenStoreError('That file is not a token file (it is not JSON). Nothing was imported.');
    }
    if (!isPlainObject(doc) || Object.keys(doc).length !== 3 || doc.v !== PledgeCrypto.WIRE_VERSION || doc.kind !== FILE_KIND
        || !Array.isArray(doc.tokens) || doc.tokens.length === 0 || doc.tokens.length > MAX_FILE_TOKENS) {
      throw new TokenStoreError('That file is not a Pledge token file. Nothing was imported.');
    }
    const campaigns = new Set();
    for (const [index, token] of doc.tokens.entries()) {
      if (!(await isValid(token)) || campaigns.has(token.campaign)) {
        throw new TokenStoreError(
          `Token ${index + 1} in that file is malformed or does not verify under its key. Nothing was imported.`);
      }
      campaigns.add(token.campaign);
    }
    return doc.tokens.map(pick);
  }

  window.PledgeTokens = Object.freeze({
    TokenStoreError, FIELDS, all, add, forget, isValid, fileDocument, readFile,
  });
}());
