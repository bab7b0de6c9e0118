/**
 * The sign page (docs/protocol.md §6 and §7, docs/signing-api.md): check the campaign key against the
 * manifest and the trustees' transcript signatures, seal the signature in this browser under
 * that key, and submit it with the entry's opening (this browser's token, its lab and a fresh
 * nonce) and a fresh withdrawal key. The entry leaf, with its lab commitment in place of the
 * lab, is computed here before anything is sent, and the server's answer is compared with it.
 * The receipt keeps the opening.
 *
 * What the signer types is only ever passed to PledgeCrypto.seal: it is not sent, stored or
 * logged anywhere. Plain script, no build step; nothing here writes to the console.
 */
(function () {
  'use strict';

  const MAX_PAYLOAD_BYTES = 1023; // docs/protocol.md §6: padded to 1024 with 0x80 then zeros
  // The same field rules as pledge-sign (crypto/formats/payload.py): one line each, in
  // characters (code points), without control characters, line or paragraph separators, or
  // bidirectional overrides, which would let a name display as something else at the reveal.
  const FIELDS = [
    { id: 'sign-name', what: 'name', max: 200 },
    { id: 'sign-role', what: 'role', max: 200 },
    { id: 'sign-statement', what: 'statement', max: 900 },
  ];
  const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/u;
  const LINE_BREAKS = /\s*[\r\n\u2028\u2029]+\s*/g;

  function $(id) {
    return document.getElementById(id);
  }

  const S = () => window.PledgeSigning;
  const C = () => window.PledgeCrypto;

  /** A ShownError (a message written for the signer). */
  function shown(message) {
    return new window.PledgeSigning.ShownError(message);
  }

  class Refusal extends Error {}

  // --- checking the campaign key (manifest, board, transcript signatures, Y) ---------------------

  /** The manifest, checked against its ctx and this page's campaign; resolves to {manifest, ctx}. */
  async function loadManifest(page) {
    const result = await S().requestJson(S().apiPath(page.slug, 'manifest'));
    if (!result.ok) throw S().failure(result);
    const { manifest, ctx } = result.data || {};
    if (!S().isPlainObject(manifest) || !S().isHex(ctx, 32)) throw new Refusal('the campaign’s manifest is malformed');
    if (!C().equalBytes(C().H('manifest', [C().canonicalJson(manifest)], 32), C().fromHex(ctx))) {
      throw new Refusal('the campaign’s manifest does not match its published hash');
    }
    if (manifest.id !== page.id || manifest.slug !== page.slug) throw new Refusal('the manifest belongs to another campaign');
    return { manifest, ctx: C().fromHex(ctx) };
  }

  /** The trustees of the manifest by index 1..n, with their Ed25519 keys. */
  function trusteesOf(manifest) {
    const { t, n, trustees } = manifest;
    const sane = Number.isSafeInteger(t) && Number.isSafeInteger(n) && t >= 1 && t <= n && Array.isArray(trustees)
      && trustees.length === n && trustees.every((tr, i) => S().isPlainObject(tr) && tr.index === i + 1
        && typeof tr.name === 'string' && S().isHex(tr.ed25519, 32));
    if (!sane) throw new Refusal('the manifest’s list of trustees is malformed');
    return trustees.map((tr) => ({ index: tr.index, name: tr.name, key: C().fromHex(tr.ed25519) }));
  }

  /** Each dealer's commitments C_i0..C_i,t-1 (dealers 1..n in order), each a valid point. */
  function commitmentsOf(board, t, n) {
    const deals = Array.isArray(board.deals) ? [...board.deals] : [];
    deals.sort((a, b) => (S().isPlainObject(a) && S().isPlainObject(b) ? a.dealer - b.dealer : 0));
    const sane = deals.length === n && deals.every((deal, i) => S().isPlainObject(deal) && deal.dealer === i + 1
      && Array.isArray(deal.commitments) && deal.commitments.length === t
      && deal.commitments.every((c) => S().isHex(c, 32) && C().isValidPoint(C().fromHex(c))));
    if (!sane) throw new Refusal('the trustees’ commitments on the ceremony board are missing or malformed');
    return deals.map((deal) => deal.commitments.map((c) => C().fromHex(c)));
  }

  /**
   * Check the board against the manifest and return the Y this browser computed: every trustee
   * signed H("transcript-signature", ctx, sc(j), transcript) over the transcript recomputed from
   * the commitments, and Y = Σ C_i0 equals the Y the server serves. Throws a Refusal naming the
   * first check that failed.
   */
  function checkBoard(manifest, ctx, board) {
    if (!S().isPlainObject(board) || !S().isHex(board.ctx, 32) || !C().equalBytes(C().fromHex(board.ctx), ctx)) {
      throw new Refusal('the ceremony board belongs to another manifest');
    }
    if (board.t !== manifest.t || board.n !== manifest.n) throw new Refusal('the ceremony board has another number of trustees than the manifest');
    const trustees = trusteesOf(manifest);
    const commitments = commitmentsOf(board, manifest.t, manifest.n);
    const transcript = C().H('transcript', [ctx, ...commitments.map((list) => C().concatBytes(...list))], 64);
    const signatures = Array.isArray(board.transcript_signatures) ? board.transcript_signatures : [];
    for (const trustee of trustees) {
      const who = `trustee ${trustee.index} (${trustee.name})`;
      const posted = signatures.filter((item) => S().isPlainObject(item) && item.index === trustee.index);
      if (posted.length !== 1 || !S().isHex(posted[0].transcript, 64) || !S().isHex(posted[0].signature, 64)) {
        throw new Refusal(`${who} has no signature on the ceremony transcript`);
      }
      if (!C().equalBytes(C().fromHex(posted[0].transcript), transcript)) {
        throw new Refusal(`${who} signed another transcript than the one the board’s commitments give`);
      }
      const message = C().H('transcript-signature', [ctx, C().sc(trustee.index), transcript], 64);
      if (!C().verifyEd25519(trustee.key, message, C().fromHex(posted[0].signature))) {
        throw new Refusal(`the transcript signature of ${who} does not verify under that trustee’s key in the manifest`);
      }
    }
    const Y = C().computeY(commitments.map((list) => list[0]));
    if (!S().isHex(board.Y, 32) || !C().equalBytes(C().fromHex(board.Y), Y)) {
      throw new Refusal('the campaign key the server serves is not the sum of the trustees’ commitments');
    }
    return { Y, trustees: trustees.length };
  }

  /** Manifest and board, checked; resolves to {manifest, ctx, Y, trustees}. */
  async function checkCampaignKey(page) {
    const { manifest, ctx } = await loadManifest(page);
    const result = await S().requestJson(S().apiPath(page.slug, 'board'));
    if (!result.ok) throw S().failure(result);
    return { manifest, ctx, ...checkBoard(manifest, ctx, result.data) };
  }

  /** The manifest's entry for the token's lab, if the token was issued under that lab's key. */
  async function checkToken(token, manifest) {
    const lab = Array.isArray(manifest.labs) ? manifest.labs.find((item) => S().isPlainObject(item) && item.slug === token.lab) : null;
    const own = Object.fromEntries(PledgeTokens.FIELDS.map((field) => [field, token[field]]));
    if (!lab || lab.token_public_key !== token.token_key || !(await PledgeTokens.isValid(own))) {
      throw new Refusal('the token in this browser was not issued under this campaign’s keys');
    }
    return lab;
  }

  // --- the form ----------------------------------------------------------------------------------

  function chosenDisplay() {
    const checked = document.querySelector('input[name="display"]:checked');
    return checked ? checked.value : null;
  }

  /** A field's text as it will be sealed; the statement is one paragraph (line breaks become spaces). */
  function fieldText(id) {
    const text = $(id).value.normalize('NFC');
    return (id === 'sign-statement' ? text.replace(LINE_BREAKS, ' ') : text).trim();
  }

  /** Whether a role is sealed: always with a name; anonymously only if the signer ticked "Include my role". */
  function roleSealed() {
    return chosenDisplay() !== 'anonymous' || $('sign-include-role').checked;
  }

  /**
   * The payload as it will be sealed. An anonymous signature seals no name at all, and no role
   * unless the signer chose to include it.
   */
  function readPayload() {
    const display = chosenDisplay() || 'name';
    return {
      v: C().WIRE_VERSION, display, name: display === 'anonymous' ? '' : fieldText('sign-name'),
      role: roleSealed() ? fieldText('sign-role') : '', statement: fieldText('sign-statement'),
    };
  }

  /** What is wrong with one field's text, or null. */
  function fieldProblem(field, text) {
    if ([...text].length > field.max) return `Your ${field.what} is longer than ${field.max} characters.`;
    if (FORBIDDEN.test(text)) {
      return `Your ${field.what} contains a control character or a text-direction override, which could make it `
        + 'display as something else; please retype it.';
    }
    return null;
  }

  /** Bytes of the canonical payload, or null if it cannot be encoded (a stray surrogate). */
  function payloadSize(payload) {
    try {
      return C().payloadBytes(payload).length;
    } catch {
      return null;
    }
  }

  function updateForm() {
    const anonymous = chosenDisplay() === 'anonymous';
    $('name-field').hidden = anonymous;
    $('sign-name').disabled = anonymous;
    $('include-role-field').hidden = !anonymous;
    $('role-field').hidden = !roleSealed();
    $('sign-role').disabled = !roleSealed();
    const size = payloadSize(readPayload());
    const room = $('sign-room');
    if (size === null) {
      room.textContent = 'Your text contains a character that cannot be sealed; please retype it.';
    } else if (size > MAX_PAYLOAD_BYTES) {
      room.textContent = `${size - MAX_PAYLOAD_BYTES} characters too long: please shorten your statement.`;
    } else {
      room.textContent = `${MAX_PAYLOAD_BYTES - size} characters left for your name, role and statement together `
        + '(accented letters and other scripts take 2 to 4).';
    }
    room.classList.toggle('is-over', size === null || size > MAX_PAYLOAD_BYTES);
  }

  function markInvalid(input, invalid) {
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  /** The payload if the form is complete, else null after saying what is missing. */
  function validPayload(say) {
    const payload = readPayload();
    const missing = [];
    const display = chosenDisplay();
    if (!display) missing.push(['display-name', 'Choose whether to show your name at the reveal.']);
    markInvalid($('sign-name'), display === 'name' && !payload.name);
    if (display === 'name' && !payload.name) missing.push(['sign-name', 'Enter your name, or choose to be counted anonymously.']);
    markInvalid($('sign-role'), roleSealed() && !payload.role);
    if (roleSealed() && !payload.role) {
      missing.push(['sign-role', display === 'anonymous' ? 'Enter your role, or untick “Include my role”.' : 'Enter your role.']);
    }
    for (const field of FIELDS) {
      const text = { 'sign-name': payload.name, 'sign-role': payload.role }[field.id] ?? fieldText(field.id);
      const problem = fieldProblem(field, text);
      if (problem) {
        markInvalid($(field.id), true);
        missing.push([field.id, problem]);
      }
    }
    const size = payloadSize(payload);
    markInvalid($('sign-statement'), size === null || size > MAX_PAYLOAD_BYTES);
    if (size === null || size > MAX_PAYLOAD_BYTES) missing.push(['sign-statement', $('sign-room').textContent]);
    if (missing.length) {
      say(missing[0][1], 'error');
      $(missing[0][0]).focus();
      return null;
    }
    return payload;
  }

  function setBusy(busy) {
    const form = $('sign-form');
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    for (const control of form.querySelectorAll('button, input, textarea')) {
      control.disabled = busy || (control.id === 'sign-name' && chosenDisplay() === 'anonymous')
        || (control.id === 'sign-role' && !roleSealed());
    }
  }

  // --- sealing, submitting, the receipt ------------------------------------------------------------

  /** The RFC 9162 leaf hash of the entry the server should log for this submission. */
  async function expectedLeafHash(opening, nullifier, ciphertext, withdrawalKey) {
    const ciphertextSha256 = new Uint8Array(await crypto.subtle.digest('SHA-256', ciphertext));
    const leaf = S().entryLeaf({ ciphertextSha256, labCommitment: S().labCommitment(opening), nullifier, withdrawalKey });
    return C().toHex(C().leafHash(leaf));
  }

  /**
   * Seal ``payload`` under the checked Y and submit it with a fresh opening and withdrawal key;
   * resolves to {receipt, matches, unanswered}.
   */
  async function sealAndSubmit(page, checked, token, payload) {
    const prepared = C().fromHex(token.prepared);
    const nullifier = C().nullifier(prepared);
    const ad = C().sealAd(checked.ctx, nullifier);
    const ciphertext = C().seal(checked.Y, ad, payload);
    if (!C().checkCiphertext(checked.Y, ad, ciphertext)) throw shown('Sealing failed its own check; nothing was sent.');
    const key = await S().newWithdrawalKey();
    const opening = S().newOpening(token.lab, token.prepared, token.signature);
    const body = { ciphertext: C().toHex(ciphertext), opening, withdrawal_key: C().toHex(key.publicKey) };
    const expected = await expectedLeafHash(opening, nullifier, ciphertext, key.publicKey);
    const receiptWith = (leafHash) => S().makeReceipt({
      campaign: page.id, slug: page.slug, ctx: checked.ctx, leafHash, nullifier, opening, seed: key.seed,
    });
    let result;
    try {
      result = await S().requestJson(S().apiPath(page.slug, 'entries'), body);
    } catch (error) {
      // No answer: the entry may have been stored all the same. Keep the receipt (and with it the
      // withdrawal key), so the signer can check it and withdraw; never reseal and resend.
      return { receipt: receiptWith(expected), matches: false, unanswered: true };
    }
    if (!result.ok) throw S().failure(result);
    const answer = result.data && result.data.receipt;
    if (!S().isPlainObject(answer) || answer.nullifier !== C().toHex(nullifier) || answer.campaign !== page.id
        || answer.slug !== page.slug || !S().isHex(answer.leaf_hash, 32)) {
      // The entry may be stored: keep what is needed to check and withdraw it.
      return { receipt: receiptWith(expected), matches: false };
    }
    return { receipt: receiptWith(answer.leaf_hash), matches: answer.leaf_hash === expected };
  }

  function offerReceipt(receipt) {
    const text = S().receiptText(receipt);
    const fileName = S().receiptFileName();
    $('receipt-text').value = text;
    $('receipt-file-name').textContent = fileName;
    $('receipt-download').addEventListener('click', () => S().downloadText(fileName, text));
    $('receipt-copy').addEventListener('click', async () => {
      const copied = await S().copyFrom($('receipt-text'));
      page.say(copied ? 'The receipt text is copied. Keep it somewhere private.'
        : 'Copying was refused by this browser: the text is selected, copy it with your keyboard.', 'ok');
    });
    S().downloadText(fileName, text);
  }

  const page = { say: () => {} };

  async function onSubmit(event) {
    event.preventDefault();
    if (page.busy) return;
    const payload = validPayload(page.say);
    if (!payload) return;
    page.busy = true;
    setBusy(true);
    page.say('Checking the campaign key…', 'busy');
    try {
      let checked;
      try {
        checked = await page.checked;
      } catch (error) {
        throw refusalError(error);
      }
      page.say('Sealing your signature in this browser and sending the sealed result…', 'busy');
      const { receipt, matches, unanswered } = await sealAndSubmit(page, checked, page.token, payload);
      for (const id of ['sign-name', 'sign-role', 'sign-statement']) $(id).value = '';
      let kept = true;
      try {
        await PledgeReceipts.save(receipt);
        await PledgeReceipts.markTokenUsed(page.id);
      } catch {
        kept = false;
      }
      $('sign-form').hidden = true;
      $('sign-done').hidden = false;
      offerReceipt(receipt);
      const notes = [];
      if (!kept) notes.push('This browser could not keep a copy: make sure you saved the file or the text.');
      if (unanswered) {
        page.say('The server did not answer, so your signature may or may not have arrived. Your receipt is downloading and '
          + 'kept in this browser: check it on the receipt page in a few minutes, and do not sign again with this token.', 'error');
        $('done-heading').focus();
        return;
      }
      if (!matches) notes.push('Warning: the server’s receipt does not match the entry this browser sent. Keep your receipt and tell the organizers.');
      page.say(`Signed. Your receipt is downloading.${notes.length ? ` ${notes.join(' ')}` : ''}`, matches ? 'ok' : 'error');
      $('done-heading').focus();
    } catch (error) {
      page.say(error instanceof S().ShownError ? error.message
        : 'Something went wrong in this browser. Please reload the page and try again.', 'error');
      setBusy(false);
    } finally {
      page.busy = false;
    }
  }

  function refusalError(error) {
    if (error instanceof Refusal) {
      return shown(`This page will not seal your signature: ${error.message}. Nothing was sent. `
        + 'The key it would seal under may not be the one the trustees made; please tell the organizers.');
    }
    if (error instanceof S().ShownError) return error;
    return shown('The campaign key could not be checked; nothing was sent. Please reload the page and try again.');
  }

  // --- start -------------------------------------------------------------------------------------

  async function start() {
    const tokens = await PledgeTokens.all();
    page.token = tokens.find((token) => token.campaign === page.id) || null;
    if (await PledgeReceipts.signedHere(page.id)) {
      $('sign-used').hidden = false;
      return;
    }
    if (!page.token) {
      $('sign-no-token').hidden = false;
      return;
    }
    $('sign-form').hidden = false;
    $('sign-form').addEventListener('submit', onSubmit);
    for (const input of document.querySelectorAll('#sign-form input, #sign-form textarea')) {
      input.addEventListener('input', updateForm);
      input.addEventListener('change', updateForm);
    }
    updateForm();
    page.say('Checking the campaign key in this browser…', 'busy');
    page.checked = checkCampaignKey(page).then(async (checked) => {
      const lab = await checkToken(page.token, checked.manifest);
      $('sign-lab').textContent = `Your signature will count for ${lab.name}, with the token this browser holds.`;
      return checked;
    });
    page.checked.then((checked) => {
      if (!page.busy) {
        page.say(`Checked in this browser: the campaign key matches the manifest and the ceremony signed by all ${checked.trustees} trustees.`, 'ok');
      }
    }, (error) => page.say(refusalError(error).message, 'error'));
  }

  /** After "Clear this browser's Pledge data": the token is gone, so the form goes too. */
  function onCleared() {
    page.token = null;
    if (page.busy) return;
    for (const id of ['sign-form', 'sign-used']) $(id).hidden = true;
    if ($('sign-done').hidden) $('sign-no-token').hidden = false;
  }

  function init() {
    const app = $('sign-app');
    if (!app) return;
    document.addEventListener('pledge-data-cleared', onCleared);
    app.hidden = false;
    page.id = app.dataset.campaign;
    page.slug = app.dataset.slug;
    const status = $('sign-status');
    if (!window.PledgeSigning || !S().supported() || typeof window.PledgeTokens !== 'object' || typeof window.PledgeReceipts !== 'object') {
      status.textContent = 'This browser lacks something this page needs (WebCrypto, IndexedDB or the crypto library). '
        + 'Try an up-to-date browser, or the command-line signer pledge-sign.';
      status.classList.add('is-error');
      return;
    }
    page.say = S().statusLine(status);
    start().catch((error) => {
      const shown = error instanceof PledgeTokens.TokenStoreError || error instanceof PledgeReceipts.ReceiptStoreError;
      page.say(shown ? error.message : 'The tokens in this browser could not be read. Please reload the page.', 'error');
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
