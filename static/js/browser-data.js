/**
 * "Clear this browser's Pledge data" (the sign and receipt pages): after a confirmation, delete
 * the tokens (PledgeTokens, database "pledge") and the receipts (PledgeReceipts, database
 * "pledge-receipts") this browser keeps for this site, then say what was done and what was not
 * (a downloaded receipt file, the browsing history). Pages that show the tokens or receipts hear
 * of it through a "pledge-data-cleared" event on the document.
 *
 * Plain script; needs token-store.js and receipt-store.js. Nothing here writes to the console.
 */
(function () {
  'use strict';

  function $(id) {
    return document.getElementById(id);
  }

  const state = { busy: false };

  function say(message, kind) {
    const status = $('clear-status');
    status.textContent = message;
    for (const name of ['error', 'ok', 'busy']) status.classList.toggle(`is-${name}`, kind === name);
  }

  function onAsk() {
    say('', null);
    $('clear-data').hidden = true;
    $('clear-confirm').hidden = false;
    $('clear-confirm-text').focus();
  }

  function closeConfirm() {
    $('clear-confirm').hidden = true;
    $('clear-data').hidden = false;
  }

  function onCancel() {
    closeConfirm();
    say('Nothing was removed.', null);
    $('clear-data').focus();
  }

  async function onConfirm() {
    if (state.busy) return;
    state.busy = true;
    for (const id of ['clear-yes', 'clear-no']) $(id).disabled = true;
    say('Removing this browser’s Pledge tokens and receipts…', 'busy');
    try {
      await PledgeReceipts.forget();
      await PledgeTokens.forget();
      document.dispatchEvent(new CustomEvent('pledge-data-cleared'));
      say('Cleared: this browser now keeps no Pledge tokens and no receipts for this site. A receipt file you '
        + 'downloaded is still wherever you saved it, and this site is still in your browsing history.', 'ok');
    } catch (error) {
      const known = error instanceof PledgeTokens.TokenStoreError || error instanceof PledgeReceipts.ReceiptStoreError;
      say(known ? error.message : 'This browser’s Pledge data could not be removed. Please reload the page and try again.', 'error');
    } finally {
      for (const id of ['clear-yes', 'clear-no']) $(id).disabled = false;
      closeConfirm();
      state.busy = false;
    }
  }

  function init() {
    const area = $('browser-data');
    if (!area || typeof window.PledgeTokens !== 'object' || typeof window.PledgeReceipts !== 'object' || !window.indexedDB) return;
    area.hidden = false;
    $('clear-data').addEventListener('click', onAsk);
    $('clear-no').addEventListener('click', onCancel);
    $('clear-yes').addEventListener('click', onConfirm);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
