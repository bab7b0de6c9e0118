/**
 * PledgeReceipts: signing receipts kept in this browser, and the "token used" mark.
 *
 * Receipts live in their own IndexedDB database, "pledge-receipts" (store "receipts", keyed by
 * leaf hash, indexed by campaign id), because the "pledge" database and its version belong to
 * token-store.js: opening it at another version from here would lock the /verify page out.
 * A used token is marked in place in "pledge"/"tokens" (a "used": true field, which the token
 * file export leaves out), through a connection opened at whatever version exists.
 *
 * A receipt whose withdrawal this browser sent carries a "withdrawal_sent": true field in its
 * record (never in the receipt itself): the server says "withdrawn" only once the withdrawal
 * is in a published batch, and until then the page knows it only from here.
 * ``forget`` deletes the whole database ("Clear this browser's Pledge data").
 * Plain script; nothing here writes to the console.
 */
(function () {
  'use strict';

  const DB_NAME = 'pledge-receipts';
  const DB_VERSION = 1;
  const STORE = 'receipts';
  const BY_CAMPAIGN = 'campaign';
  const TOKENS_DB = 'pledge';
  const TOKENS_STORE = 'tokens';
  const SENT = 'withdrawal_sent';

  /** A failure whose message is written for the signer. */
  class ReceiptStoreError extends Error {}

  function promised(request, message) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new ReceiptStoreError(message));
    });
  }

  function finished(tx, message) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(new ReceiptStoreError(message));
    });
  }

  let opened = null;

  function openDb() {
    if (opened === null) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, { keyPath: 'leaf_hash' });
          store.createIndex(BY_CAMPAIGN, 'campaign', { unique: false });
        };
        request.onsuccess = () => {
          request.result.onversionchange = () => { request.result.close(); opened = null; };
          resolve(request.result);
        };
        request.onerror = () => reject(new ReceiptStoreError(
          'This browser does not let this site keep receipts (is this a private window?).'));
        request.onblocked = () => reject(new ReceiptStoreError('Close the other tabs of this site, then reload this page.'));
      });
      opened.catch(() => { opened = null; });
    }
    return opened;
  }

  /** The receipt of a stored record (without this browser's own marks). */
  function receiptOf(record) {
    const { [SENT]: sent, ...receipt } = record;
    return receipt;
  }

  /** Keep a receipt (replacing one with the same leaf hash, and keeping its marks). */
  async function save(receipt) {
    const db = await openDb();
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const existing = store.get(receipt.leaf_hash);
    existing.onsuccess = () => {
      const sent = Boolean(existing.result && existing.result[SENT] === true);
      store.put(sent ? { ...receipt, [SENT]: true } : receipt);
    };
    await finished(tx, 'The receipt could not be kept in this browser; download it or copy it.');
  }

  /** The receipts kept for one campaign. */
  async function forCampaign(campaignId) {
    const db = await openDb();
    const index = db.transaction(STORE, 'readonly').objectStore(STORE).index(BY_CAMPAIGN);
    const records = await promised(index.getAll(campaignId), 'The receipts kept in this browser could not be read.');
    return records.map(receiptOf);
  }

  /** Note that this browser sent the withdrawal of the kept receipt ``leafHash`` (false if none is kept). */
  async function markWithdrawalSent(leafHash) {
    const db = await openDb();
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const existing = store.get(leafHash);
    let marked = false;
    existing.onsuccess = () => {
      if (!existing.result) return;
      store.put({ ...existing.result, [SENT]: true });
      marked = true;
    };
    await finished(tx, 'This browser could not note that you withdrew.');
    return marked;
  }

  /** True when this browser sent the withdrawal of the kept receipt ``leafHash``. */
  async function withdrawalSent(leafHash) {
    const db = await openDb();
    const record = await promised(db.transaction(STORE, 'readonly').objectStore(STORE).get(leafHash),
      'The receipts kept in this browser could not be read.');
    return Boolean(record && record[SENT] === true);
  }

  /** Delete every receipt this browser keeps, with their database. */
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
      request.onerror = () => reject(new ReceiptStoreError('The receipts kept in this browser could not be deleted.'));
      request.onblocked = () => reject(new ReceiptStoreError(
        'Another tab of this site still has the receipts open: close it, then try again.'));
    });
  }

  /** Run ``work(store)`` on the tokens store, if the "pledge" database and store exist. */
  async function withTokens(mode, work) {
    const known = indexedDB.databases ? await indexedDB.databases() : null;
    if (known && !known.some((item) => item.name === TOKENS_DB)) return null;
    const db = await promised(indexedDB.open(TOKENS_DB), 'The tokens in this browser could not be opened.');
    try {
      if (!db.objectStoreNames.contains(TOKENS_STORE)) return null;
      const tx = db.transaction(TOKENS_STORE, mode);
      const done = finished(tx, 'The tokens in this browser could not be updated.');
      done.catch(() => {}); // reported through the await below, or by ``work`` failing first
      const result = await work(tx.objectStore(TOKENS_STORE));
      await done;
      return result;
    } finally {
      db.close(); // never hold a connection that would block token-store.js upgrading its database
    }
  }

  /** Mark this browser's token for ``campaignId`` as used (true if there was one to mark). */
  async function markTokenUsed(campaignId) {
    return withTokens('readwrite', async (store) => {
      const token = await promised(store.get(campaignId), 'The token could not be read.');
      if (!token) return false;
      await promised(store.put({ ...token, used: true }), 'The token could not be marked as used.');
      return true;
    });
  }

  /** True when this browser signed ``campaignId``: its token is marked used, or a receipt is kept. */
  async function signedHere(campaignId) {
    if ((await forCampaign(campaignId)).length > 0) return true;
    const token = await withTokens('readonly', (store) => promised(store.get(campaignId), 'The token could not be read.'));
    return Boolean(token && token.used === true);
  }

  window.PledgeReceipts = Object.freeze({
    ReceiptStoreError, save, forCampaign, markWithdrawalSent, withdrawalSent, markTokenUsed, signedHere, forget,
  });
}());
