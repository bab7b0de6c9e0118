/**
 * The receipt page (docs/protocol.md §7 and §13, docs/signing-api.md): open a receipt (a file,
 * pasted text, or one kept in this browser), ask for its status, and check a published entry
 * here: the log key from the manifest the receipt was sealed under, the tree head's signature
 * under it, the inclusion proof against that head, and, once the receipt keeps a head, a
 * consistency proof from that head to the new one. Then the published leaf itself: its lab
 * commitment, checked against the opening the receipt keeps ("your entry commits to <lab>; the
 * log shows only the commitment"). Withdraw with the receipt's secret after a confirmation
 * step; the server says "withdrawn" only once the withdrawal is in a published batch, so until
 * then this page says what it knows itself: the withdrawal was sent from here. The withdraw panel
 * is offered only while a withdrawal is possible (not once the entry is in a frozen round, revealed,
 * or signing has ended; one sentence says why instead). Once the entry is revealed, the signer may
 * state in public, signed with the receipt's key, "I am withholding my work" and later "I have
 * stopped withholding" (docs/signing-api.md, statements).
 *
 * Plain script, no build step; nothing here writes to the console.
 */
(function () {
  'use strict';

  function $(id) {
    return document.getElementById(id);
  }

  const S = () => window.PledgeSigning;
  const C = () => window.PledgeCrypto;

  /** A ShownError (a message written for the signer). */
  function shown(message) {
    return new window.PledgeSigning.ShownError(message);
  }

  /** A proof or head that does not check out; the message says which. */
  class ProofFailure extends Error {}

  const page = { say: () => {}, receipt: null, leafHash: null, busy: false, sentHere: new Set(), manifest: null,
    stance: null, nextStance: null };

  // --- checking a published entry ------------------------------------------------------------------

  function wellFormedStatus(status) {
    const head = status.head;
    return Number.isSafeInteger(status.index) && status.index >= 0 && S().isPlainObject(head)
      && S().isHex(head.log_id) && S().isHex(head.log_public_key, 32) && Number.isSafeInteger(head.size)
      && Number.isSafeInteger(head.timestamp) && S().isHex(head.root, 32) && S().isHex(head.signature, 64)
      && Array.isArray(status.proof) && status.proof.every((node) => S().isHex(node, 32));
  }

  /**
   * The campaign's manifest as the server serves it now: it must hash to the ctx the receipt
   * kept from signing (the trustees' transcript signatures cover that manifest, log key and labs
   * included). A bare leaf hash has no ctx: the served manifest's own is used.
   */
  async function checkedManifest() {
    const result = await S().requestJson(S().apiPath(page.slug, 'manifest'));
    if (!result.ok) throw S().failure(result);
    const { manifest, ctx } = result.data || {};
    if (!S().isPlainObject(manifest) || !S().isHex(ctx, 32) || !S().isHex(manifest.log_key, 32)) {
      throw new ProofFailure('the campaign’s manifest is malformed');
    }
    if (!C().equalBytes(C().H('manifest', [C().canonicalJson(manifest)], 32), C().fromHex(ctx))) {
      throw new ProofFailure('the campaign’s manifest does not match its published hash');
    }
    if (page.receipt && page.receipt.ctx !== ctx) {
      throw new ProofFailure('the server now serves another manifest than the one your signature was sealed under');
    }
    page.manifest = manifest;
    return manifest;
  }

  /** The campaign's log key, from its checked manifest. */
  async function logKey() {
    return C().fromHex((await checkedManifest()).log_key);
  }

  /** The name the manifest gives the lab ``slug`` (the slug itself if the manifest is not at hand). */
  function labName(slug) {
    const labs = page.manifest && Array.isArray(page.manifest.labs) ? page.manifest.labs : [];
    const lab = labs.find((item) => S().isPlainObject(item) && item.slug === slug && typeof item.name === 'string');
    return lab ? lab.name : slug;
  }

  // --- the entry's lab commitment ------------------------------------------------------------------

  /**
   * The published leaf at ``index``, fetched from the log and checked to be the receipt's entry
   * (it hashes to the leaf hash whose inclusion was just verified); resolves to its fields as hex.
   */
  async function publishedEntry(index) {
    const result = await S().requestJson(`${S().apiPath(page.slug, 'log', 'leaves')}?start=${index}&end=${index + 1}`);
    if (!result.ok) throw S().failure(result);
    const data = result.data || {};
    if (data.start !== index || !Array.isArray(data.leaves) || data.leaves.length !== 1 || !S().isHex(data.leaves[0])) {
      throw new ProofFailure('the server’s copy of your entry’s leaf is malformed');
    }
    const leaf = C().fromHex(data.leaves[0]);
    if (C().toHex(C().leafHash(leaf)) !== page.leafHash) {
      throw new ProofFailure('the leaf the server serves at your entry’s index is not your entry');
    }
    const entry = S().parseEntryLeaf(leaf);
    if (entry === null) throw new ProofFailure('the leaf of your receipt in the log is not an entry');
    return entry;
  }

  /**
   * Show the leaf's lab commitment (``entry`` from the log, or null while pending) and check it
   * against the opening the receipt keeps; throws a ProofFailure when they differ.
   */
  function showCommitment(entry) {
    const opening = page.receipt ? page.receipt.opening : null;
    const computed = opening ? C().toHex(S().labCommitment(opening)) : null;
    const shown = entry ? entry.lab_commitment : computed;
    for (const id of ['result-commitment-term', 'result-commitment-value']) $(id).hidden = shown === null;
    $('result-commitment').textContent = shown || '';
    const line = $('result-lab');
    line.hidden = false;
    line.textContent = '';
    line.classList.remove('is-ok', 'is-error');
    if (!opening) {
      line.textContent = entry ? 'The log shows only this commitment, not a lab. Open the whole receipt to check which lab it commits to.' : '';
      line.hidden = !entry;
      return;
    }
    const lab = labName(opening.slug);
    if (!entry) {
      line.textContent = `Your entry commits to ${lab}: the commitment above is computed in this browser from the opening your `
        + 'receipt keeps. The log will show only the commitment; this page checks it there once your entry is published.';
      return;
    }
    if (entry.lab_commitment !== computed || entry.nullifier !== page.receipt.nullifier) {
      throw new ProofFailure('your entry in the log does not commit to the lab and token your receipt keeps');
    }
    line.textContent = `Your entry commits to ${lab}; the log shows only the commitment. Checked in this browser: the `
      + 'commitment in your published leaf opens with the lab, token and nonce your receipt keeps.';
    line.classList.add('is-ok');
  }

  function hideCommitment() {
    for (const id of ['result-commitment-term', 'result-commitment-value', 'result-lab']) $(id).hidden = true;
  }

  /**
   * Check the head and the proof of a published (or withdrawn) entry in this browser; resolves
   * to {index, head} or throws a ProofFailure.
   */
  async function verifyPublished(status, leafHash, key) {
    if (!wellFormedStatus(status)) throw new ProofFailure('the server’s answer is malformed');
    const head = status.head;
    const logId = C().utf8(page.id);
    if (!C().equalBytes(C().fromHex(head.log_id), logId)) throw new ProofFailure('the proof is for another campaign’s log');
    if (!C().equalBytes(C().fromHex(head.log_public_key), key)) {
      throw new ProofFailure('the tree head is served under another key than the one in the campaign’s manifest');
    }
    const current = await S().requestJson(S().apiPath(page.slug, 'log', 'head'));
    if (!current.ok) throw S().failure(current);
    if (!current.data || current.data.log_public_key !== head.log_public_key) {
      throw new ProofFailure('the proof’s tree head names another log key than the one this campaign publishes');
    }
    const root = C().fromHex(head.root);
    if (!C().verifyTreeHead(key, logId, head.size, head.timestamp, root, C().fromHex(head.signature))) {
      throw new ProofFailure('the tree head’s signature does not verify under the campaign’s log key');
    }
    const proof = status.proof.map((node) => C().fromHex(node));
    if (!C().verifyInclusion(C().fromHex(leafHash), status.index, head.size, proof, root)) {
      throw new ProofFailure('the inclusion proof does not lead from your receipt to the signed tree head');
    }
    return { index: status.index, size: head.size, timestamp: head.timestamp,
      kept: { size: head.size, timestamp: head.timestamp, root: head.root, signature: head.signature } };
  }

  /**
   * The log the server serves now extends the head the receipt kept: an RFC 9162 consistency
   * proof from the kept head to the new one. A log rewritten without the entry fails here.
   */
  async function verifyExtends(kept, verified, key) {
    const logId = C().utf8(page.id);
    if (!C().verifyTreeHead(key, logId, kept.size, kept.timestamp, C().fromHex(kept.root), C().fromHex(kept.signature))) {
      throw new ProofFailure('the head kept with your receipt does not verify under the campaign’s log key; the receipt was changed');
    }
    if (verified.size < kept.size) {
      throw new ProofFailure(`the log shrank: your receipt kept a signed head of size ${kept.size}, the server now serves size ${verified.size}`);
    }
    let proof = [];
    if (verified.size > kept.size) {
      const result = await S().requestJson(`${S().apiPath(page.slug, 'log', 'consistency')}?from=${kept.size}&to=${verified.size}`);
      if (!result.ok) throw S().failure(result);
      const data = result.data || {};
      if (data.from !== kept.size || data.to !== verified.size || !Array.isArray(data.proof)
          || !data.proof.every((node) => S().isHex(node, 32))) {
        throw new ProofFailure('the server’s consistency proof is malformed');
      }
      proof = data.proof.map((node) => C().fromHex(node));
    }
    if (!C().verifyConsistency(kept.size, verified.size, C().fromHex(kept.root), C().fromHex(verified.kept.root), proof)) {
      throw new ProofFailure(`the log forked: the head the server serves now (size ${verified.size}) does not extend the signed `
        + `head your receipt kept (size ${kept.size}); keep your receipt, it proves two histories`);
    }
  }

  /** Keep the first verified head with the receipt (in this browser, or in an updated file). */
  async function keepHead(verified) {
    const receipt = page.receipt;
    if (!receipt || receipt.head) return '';
    const updated = { ...receipt, head: verified.kept };
    page.receipt = updated;
    if (page.stored && page.stored.has(receipt.leaf_hash)) {
      await PledgeReceipts.save(updated);
      page.stored.set(receipt.leaf_hash, updated);
      return ' This browser now keeps that head with your receipt: later checks prove the log still extends it.';
    }
    $('updated-receipt').hidden = false;
    return ' Download the updated receipt below: it keeps that head, so later checks prove the log still extends it.';
  }

  function includedText(verified) {
    return `Included and verified at index ${verified.index} of ${verified.size} (batch time ${S().formatUtc(verified.timestamp)}). `
      + 'Checked in this browser: the log head is signed with the campaign’s log key, and the proof leads from your '
      + 'receipt to it.';
  }

  // --- showing a receipt -----------------------------------------------------------------------------

  // --- what the lifecycle allows: withdrawing, or stating a stance after the reveal ----------------

  const STATEMENT_PREFIX = 'pledge/v2/statement';
  const SAYS = { withholding: 'I am withholding my work', stopped: 'I have stopped withholding my work' };

  /** b"pledge/v2/statement" || nullifier || u64le(seq) || (1 withholding, 0 stopped). */
  function statementMessage(nullifier, seq, stance) {
    const seqBytes = new Uint8Array(8);
    new DataView(seqBytes.buffer).setBigUint64(0, BigInt(seq), true);
    return C().concatBytes(C().utf8(STATEMENT_PREFIX), nullifier, seqBytes,
      new Uint8Array([stance === 'withholding' ? 1 : 0]));
  }

  /** The receipt's entry as the server tells it: revealed, frozen, its stance and next seq. */
  async function stanceOf(receipt) {
    const result = await S().requestJson(S().apiPath(page.slug, 'statements', receipt.nullifier));
    if (!result.ok) throw S().failure(result);
    const data = result.data || {};
    if (typeof data.revealed !== 'boolean' || !Number.isSafeInteger(data.next_seq) || data.next_seq < 0
        || ![null, 'withholding', 'stopped'].includes(data.stance)) {
      throw shown('The server’s answer about your stance is malformed.');
    }
    return data;
  }

  /** Why a withdrawal is no longer possible, or '' while it is. */
  function withdrawClosedReason(data) {
    if (data.revealed) return 'Your signature is revealed, so it can no longer be withdrawn.';
    if (data.frozen) {
      return 'Your signature is in a frozen round and is being revealed with the others, so it can no longer be withdrawn.';
    }
    if (data.signing_ended) return 'Signing has ended for this campaign, so nothing can be withdrawn any more.';
    return '';
  }

  function showStance(data) {
    page.stance = data;
    $('statement-area').hidden = false;
    const when = data.pending ? ' It is published in the campaign’s log with the next batch.' : '';
    const text = data.stance === 'withholding' ? `You have stated in public that you are withholding your work.${when}`
      : data.stance === 'stopped' ? `You have stated in public that you stopped withholding your work.${when}`
        : 'You have not stated that you are withholding your work.';
    $('statement-stance').textContent = text;
    $('statement-button').textContent = data.stance === 'withholding' ? 'I have stopped withholding' : 'I am withholding my work';
    $('statement-button').hidden = false;
    $('statement-confirm').hidden = true;
  }

  /**
   * After a status: offer the withdraw panel only while a withdrawal is possible, and once the
   * entry is revealed show its stance and the statement button. If the server cannot say, the
   * panel stays as it was (the server refuses a withdrawal that is no longer possible).
   */
  async function showLifecycle() {
    $('withdraw-closed').hidden = true;
    $('statement-area').hidden = true;
    $('statement-result').textContent = '';
    if (!page.receipt) return;
    let data;
    try {
      data = await stanceOf(page.receipt);
    } catch {
      return;
    }
    const why = withdrawClosedReason(data);
    if (why) {
      $('withdraw-area').hidden = true;
      $('withdraw-closed').textContent = why;
      $('withdraw-closed').hidden = false;
    }
    if (data.revealed) showStance(data);
  }

  function onStatementAsk() {
    const next = page.stance && page.stance.stance === 'withholding' ? 'stopped' : 'withholding';
    page.nextStance = next;
    $('statement-confirm-what').textContent = `State “${SAYS[next]}”?`;
    $('statement-button').hidden = true;
    $('statement-confirm').hidden = false;
    $('statement-result').textContent = '';
    $('statement-confirm-text').focus();
  }

  function onStatementCancel() {
    $('statement-confirm').hidden = true;
    $('statement-button').hidden = false;
    $('statement-button').focus();
  }

  /** Run ``work`` with its messages next to its button (``line``: a status line there). */
  async function inPlace(line, buttons, work) {
    if (page.busy) return;
    page.busy = true;
    for (const id of buttons) $(id).disabled = true;
    try {
      await work();
    } catch (error) {
      line(error instanceof S().ShownError ? error.message
        : 'Something went wrong in this browser. Please reload the page and try again.', 'error');
    } finally {
      for (const id of buttons) $(id).disabled = false;
      page.busy = false;
    }
  }

  function onStatementConfirm() {
    const line = S().statusLine($('statement-result'));
    inPlace(line, ['statement-yes', 'statement-no'], async () => {
      const receipt = page.receipt;
      const stance = page.nextStance;
      if (!receipt || !stance) return;
      line('Signing the statement in this browser and sending it…', 'busy');
      const current = await stanceOf(receipt);
      if (!current.revealed) throw shown('Your signature is not revealed yet: you can make this statement once it is.');
      const key = await S().withdrawalKey(C().fromHex(receipt.withdrawal_secret));
      const signature = await key.sign(statementMessage(C().fromHex(receipt.nullifier), current.next_seq, stance));
      const result = await S().requestJson(S().apiPath(page.slug, 'statements'),
        { nullifier: receipt.nullifier, seq: current.next_seq, stance, signature: C().toHex(signature) });
      if (!result.ok) throw S().failure(result);
      showStance(await stanceOf(receipt));
      line(`Sent: your signed statement “${SAYS[stance]}” is published in the campaign’s log with the next batch.`, 'ok');
    });
  }

  function showResult(text, kind, withdrawable) {
    $('receipt-result').hidden = false;
    const state = $('result-state');
    state.textContent = text;
    for (const name of ['error', 'ok', 'pending']) state.classList.toggle(`is-${name}`, kind === name);
    $('result-leaf').textContent = page.leafHash;
    $('result-leaf-only').hidden = page.receipt !== null;
    $('withdraw-area').hidden = !(withdrawable && page.receipt);
    $('withdraw-confirm').hidden = true;
    $('withdraw-button').hidden = false;
    $('withdraw-result').textContent = '';
    $('withdraw-closed').hidden = true;
    $('statement-area').hidden = true;
  }

  /** Whether this browser sent the withdrawal of the current receipt (this visit, or kept with a stored receipt). */
  async function withdrawalSentHere() {
    if (page.sentHere.has(page.leafHash)) return true;
    if (!page.receipt || !page.stored || !page.stored.has(page.leafHash)) return false;
    return PledgeReceipts.withdrawalSent(page.leafHash);
  }

  const SENT_TEXT = 'Withdrawal sent from this browser: your sealed signature was deleted and will never be opened. '
    + 'The withdrawal appears in the public log with the next batch, and your signature stops counting then; until '
    + 'that batch the log shows your entry as published.';

  /** Ask for the status of the current leaf hash and show it, checked. */
  async function refresh() {
    hideCommitment();
    const result = await S().requestJson(S().apiPath(page.slug, 'receipts', page.leafHash));
    if (!result.ok) {
      showResult(S().failure(result).message, 'error', false);
      return;
    }
    const status = result.data || {};
    const sent = await withdrawalSentHere();
    if (status.status === 'pending') {
      if (page.receipt) {
        try {
          await checkedManifest();
        } catch {
          page.manifest = null; // the lab's slug is shown instead of its name
        }
      }
      showCommitment(null);
      if (sent) {
        showResult(`${SENT_TEXT} Your entry itself is not in the log yet either: both join it with the next batch.`, 'pending', false);
        return;
      }
      showResult('Pending: the server holds your sealed signature, and it will be added to the public log with the '
        + 'next batch. Check again after that to see the proof.', 'pending', true);
      await showLifecycle();
      return;
    }
    if (status.status !== 'published' && status.status !== 'withdrawn') {
      showResult('The server’s answer is malformed.', 'error', false);
      return;
    }
    let verified;
    let kept = '';
    try {
      const key = await logKey();
      verified = await verifyPublished(status, page.leafHash, key);
      if (page.receipt && page.receipt.head) {
        await verifyExtends(page.receipt.head, verified, key);
        kept = ` The log extends the head your receipt kept (size ${page.receipt.head.size}): nothing before it was rewritten.`;
      } else {
        kept = await keepHead(verified);
      }
      showCommitment(await publishedEntry(verified.index));
    } catch (error) {
      const why = error instanceof ProofFailure ? `: ${error.message}` : '';
      const message = error instanceof S().ShownError ? error.message
        : `The server’s proof does not verify${why}. Your signature may not be in the log the public sees; keep your receipt and tell the organizers.`;
      showResult(message, 'error', status.status === 'published' && !sent);
      return;
    }
    if (status.status === 'published') {
      if (sent) {
        showResult(`${SENT_TEXT} ${includedText(verified)}${kept}`, 'ok', false);
        return;
      }
      showResult(includedText(verified) + kept, 'ok', true);
      await showLifecycle();
      return;
    }
    const when = Number.isSafeInteger(status.withdrawal_index)
      ? `the withdrawal is in the log at index ${status.withdrawal_index}, and the signature no longer counts.`
      : 'the withdrawal is added to the log with the next batch, and the signature stops counting then.';
    showResult(`Withdrawn: your sealed signature was deleted and will never be opened; ${when} ${includedText(verified)}${kept}`, 'ok', false);
  }

  /** Take a parsed receipt ({receipt} or {leafHash}) as the current one and check it. */
  async function open(parsed) {
    if (parsed.receipt && (parsed.receipt.campaign !== page.id || parsed.receipt.slug !== page.slug)) {
      throw shown(`This receipt belongs to another campaign (“${parsed.receipt.slug}”): open it on that campaign’s receipt page.`);
    }
    page.receipt = parsed.receipt || null;
    $('updated-receipt').hidden = true;
    page.leafHash = parsed.receipt ? parsed.receipt.leaf_hash : parsed.leafHash;
    page.say('Asking for the proof of this receipt…', 'busy');
    await refresh();
    page.say('', null);
    $('result-heading').focus();
  }

  async function guarded(work) {
    if (page.busy) return;
    page.busy = true;
    try {
      await work();
    } catch (error) {
      page.say(error instanceof S().ShownError || error instanceof PledgeReceipts.ReceiptStoreError ? error.message
        : 'Something went wrong in this browser. Please reload the page and try again.', 'error');
    } finally {
      page.busy = false;
    }
  }

  // --- the three ways in -----------------------------------------------------------------------------

  function onFile(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    guarded(async () => {
      try {
        if (file.size > 64 * 1024) throw shown('That file is too large to be a receipt.');
        await open(S().parseReceipt(await file.text()));
      } finally {
        input.value = '';
      }
    });
  }

  function onPaste(event) {
    event.preventDefault();
    guarded(() => open(S().parseReceipt($('receipt-paste').value)));
  }

  async function listStored() {
    const receipts = await PledgeReceipts.forCampaign(page.id);
    page.stored = new Map(receipts.filter(S().isReceipt).map((receipt) => [receipt.leaf_hash, receipt]));
    const select = $('stored-select');
    select.replaceChildren(...[...page.stored.keys()].map((leafHash) => {
      const option = document.createElement('option');
      option.value = leafHash;
      option.textContent = `Receipt ${leafHash.slice(0, 16)}…`;
      return option;
    }));
    $('stored-receipts').hidden = page.stored.size === 0;
  }

  function onStored() {
    const receipt = page.stored && page.stored.get($('stored-select').value);
    if (receipt) guarded(() => open({ receipt }));
  }

  // --- withdrawing -----------------------------------------------------------------------------------

  function onWithdrawAsk() {
    $('withdraw-button').hidden = true;
    $('withdraw-confirm').hidden = false;
    $('withdraw-confirm-text').focus();
  }

  function onWithdrawCancel() {
    $('withdraw-confirm').hidden = true;
    $('withdraw-button').hidden = false;
    $('withdraw-button').focus();
  }

  function onWithdrawConfirm() {
    const line = S().statusLine($('withdraw-result'));
    inPlace(line, ['withdraw-yes', 'withdraw-no'], async () => {
      const receipt = page.receipt;
      if (!receipt) return;
      line('Signing the withdrawal in this browser and sending it…', 'busy');
      const nullifier = C().fromHex(receipt.nullifier);
      const key = await S().withdrawalKey(C().fromHex(receipt.withdrawal_secret));
      const signature = await key.sign(S().withdrawalMessage(nullifier));
      const result = await S().requestJson(S().apiPath(page.slug, 'withdrawals'),
        { nullifier: receipt.nullifier, signature: C().toHex(signature) });
      if (!result.ok) throw S().failure(result);
      const message = typeof result.data?.message === 'string' ? result.data.message : 'Withdrawal sent.';
      page.sentHere.add(receipt.leaf_hash);
      if (page.stored && page.stored.has(receipt.leaf_hash)) {
        try {
          await PledgeReceipts.markWithdrawalSent(receipt.leaf_hash);
        } catch {
          // this visit still knows; a later one asks the log
        }
      }
      await refresh();
      $('withdraw-area').hidden = true;
      line('', null);
      page.say(message, 'ok');
    });
  }

  // --- start -----------------------------------------------------------------------------------------

  function init() {
    const app = $('receipt-app');
    if (!app) return;
    app.hidden = false;
    page.id = app.dataset.campaign;
    page.slug = app.dataset.slug;
    const status = $('receipt-status');
    if (!window.PledgeSigning || !S().supported() || typeof window.PledgeReceipts !== 'object') {
      status.textContent = 'This browser lacks something this page needs (WebCrypto, IndexedDB or the crypto library). '
        + 'Try an up-to-date browser, or the command-line signer: pledge-sign check RECEIPT.';
      status.classList.add('is-error');
      return;
    }
    page.say = S().statusLine(status);
    $('receipt-file').addEventListener('change', onFile);
    $('paste-form').addEventListener('submit', onPaste);
    $('stored-check').addEventListener('click', onStored);
    $('withdraw-button').addEventListener('click', onWithdrawAsk);
    $('withdraw-no').addEventListener('click', onWithdrawCancel);
    $('withdraw-yes').addEventListener('click', onWithdrawConfirm);
    $('statement-button').addEventListener('click', onStatementAsk);
    $('statement-no').addEventListener('click', onStatementCancel);
    $('statement-yes').addEventListener('click', onStatementConfirm);
    $('updated-receipt-download').addEventListener('click', () => {
      if (page.receipt) S().downloadText(S().receiptFileName(), S().receiptText(page.receipt));
    });
    document.addEventListener('pledge-data-cleared', () => {
      page.stored = new Map();
      $('stored-receipts').hidden = true;
    });
    listStored().catch(() => page.say('The receipts kept in this browser could not be read.', 'error'));
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
