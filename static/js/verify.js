/**
 * The /verify page (docs/affiliation-api.md): prove work at a lab with an emailed
 * code, then receive one blind-signed token per open campaign that accepts the lab, kept in
 * this browser by PledgeTokens (static/js/token-store.js), with export and checked import.
 *
 * Plain script, no build step; the crypto is the vendored PledgeCrypto bundle. Token keys come
 * only from each campaign's manifest, checked against its ctx, never from the issuance answer.
 * Nothing here writes to the console: the address, the code and the tokens must never end up in
 * a log. All requests go to this site, without cookies.
 */
(function () {
  'use strict';

  const API = {
    start: '/api/verify/start',
    check: '/api/verify/check',
    issue: '/api/verify/issue',
    manifestPrefix: '/api/campaigns/',
  };
  const CAMPAIGN_PAGE = '/campaigns/';
  const FILE_NAME = 'pledge-tokens.json';
  const PUBLIC_ID = /^[0-9a-f]{32}$/;
  const CODE = /^[0-9]{8}$/;

  // Shared with the sign and receipt pages (static/js/signing-common.js): the cookie-less JSON
  // calls, the signer-facing error, and small type checks.
  const { ShownError, isPlainObject, isHex, requestJson, failure } = window.PledgeSigning;

  // --- small helpers ----------------------------------------------------------------------

  function $(id) {
    return document.getElementById(id);
  }

  /** The public id as the token message carries it: its 32 ASCII characters. */
  function asciiBytes(publicId) {
    return new TextEncoder().encode(publicId); // checked to be 32 hex characters already
  }

  // --- the status region and the steps ------------------------------------------------------

  // "1 token", "2 tokens": the same rule as the pages' count() (crypto/formats/counts.py).
  function count(number, singular, plural) {
    return `${number} ${number === 1 ? singular : (plural || singular + 's')}`;
  }

  /** A lab's name from the page's list (a stored token carries only its lab's slug). */
  function labName(slug) {
    const known = [...document.querySelectorAll('#lab-names li')].find((item) => item.dataset.slug === slug);
    return known ? known.textContent : slug;
  }

  function say(message, kind) {
    const status = $('verify-status');
    status.textContent = message;
    for (const name of ['error', 'ok', 'busy']) status.classList.toggle(`is-${name}`, kind === name);
  }

  function showError(error) {
    const shown = error instanceof ShownError || error instanceof PledgeTokens.TokenStoreError;
    say(shown ? error.message : 'Something went wrong in this browser. Please reload the page and try again.', 'error');
  }

  const STEPS = ['step-email', 'step-code', 'step-result'];

  /** Show one step and move the keyboard focus into it (its heading unless told otherwise). */
  function showStep(id, focusId) {
    for (const step of STEPS) $(step).hidden = step !== id;
    $(focusId || `${id}-heading`).focus();
  }

  function setBusy(form, busy) {
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    for (const control of form.querySelectorAll('button, input')) control.disabled = busy;
  }

  function markInvalid(input, invalid) {
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function campaignLink(slug, title) {
    const link = document.createElement('a');
    link.href = CAMPAIGN_PAGE + encodeURIComponent(slug);
    link.textContent = title;
    return link;
  }

  /** Fill a list with one campaign link per item (items have ``slug`` and ``title``). */
  function listCampaigns(list, items, extra) {
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement('li');
      li.append(campaignLink(item.slug, item.title));
      if (extra) li.append(extra(item));
      return li;
    }));
  }

  // --- step 1: the address ----------------------------------------------------------------

  // The address and the handle ``start`` returned for the code it sent: kept in this page's
  // memory only (never stored). The code is checkable only with this handle, so nobody else
  // can spend its guesses; a new request replaces the handle, and the code of the latest email
  // is the one this page can check.
  const flow = { email: null, handle: null };
  const HANDLE = /^[A-Za-z0-9_-]{43}$/;

  async function onEmailSubmit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const input = $('verify-email');
    const email = input.value.trim();
    if (!email.includes('@')) {
      markInvalid(input, true);
      say('Enter your work email address, for example ada@lab.example.', 'error');
      input.focus();
      return;
    }
    setBusy(form, true);
    say('Sending a code…', 'busy');
    try {
      const result = await requestJson(API.start, { email });
      if (!result.ok) throw failure(result);
      const handle = result.data?.handle;
      if (typeof handle !== 'string' || !HANDLE.test(handle)) {
        throw new ShownError('The server’s answer was malformed; reload the page and ask for a new code.');
      }
      markInvalid(input, false);
      flow.email = email;
      flow.handle = handle;
      $('verify-code').value = '';
      say(typeof result.data?.message === 'string' ? result.data.message : 'A code is on its way.', 'ok');
      showStep('step-code', 'verify-code');
    } catch (error) {
      setBusy(form, false);
      markInvalid(input, error.code === 'invalid_address' || error.code === 'not_eligible');
      showError(error);
      input.focus();
    } finally {
      setBusy(form, false);
    }
  }

  // --- step 2: the code, the manifests, blinding, issuance ------------------------------------

  function checkedTicket(body) {
    const ok = body && typeof body.ticket === 'string' && isPlainObject(body.lab)
      && typeof body.lab.slug === 'string' && Array.isArray(body.campaigns);
    const ids = new Set();
    for (const campaign of ok ? body.campaigns : []) {
      if (!isPlainObject(campaign) || typeof campaign.id !== 'string' || !PUBLIC_ID.test(campaign.id)
          || typeof campaign.slug !== 'string' || typeof campaign.title !== 'string'
          || typeof campaign.manifest_url !== 'string' || ids.has(campaign.id)) {
        throw new ShownError('The server’s list of campaigns was malformed; no token was requested.');
      }
      ids.add(campaign.id);
    }
    if (!ok) throw new ShownError('The server’s answer was malformed; no token was requested.');
    if (ids.size === 0) throw new ShownError('No open campaign accepts your lab right now, so there is no token to get.');
    return body;
  }

  /** Fetch a campaign's manifest, check it against its ctx, and import the key for ``lab``. */
  async function campaignKey(campaign, lab) {
    const refuse = (why) => new ShownError(`${why} (“${campaign.title}”); no token was requested.`);
    const url = new URL(campaign.manifest_url, window.location.origin);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(API.manifestPrefix)) {
      throw refuse('The server named an unexpected address for a campaign’s keys');
    }
    const result = await requestJson(url.pathname);
    if (!result.ok) throw failure(result);
    const { manifest, ctx } = result.data || {};
    if (!isPlainObject(manifest) || !isHex(ctx) || !Array.isArray(manifest.labs)) throw refuse('A manifest is malformed');
    const recomputed = PledgeCrypto.H('manifest', [PledgeCrypto.canonicalJson(manifest)], 32);
    if (!PledgeCrypto.equalBytes(recomputed, PledgeCrypto.fromHex(ctx))) {
      throw refuse('A campaign’s manifest does not match its published hash');
    }
    if (manifest.id !== campaign.id || manifest.slug !== campaign.slug) throw refuse('A manifest belongs to another campaign');
    const entry = manifest.labs.find((item) => isPlainObject(item) && item.slug === lab);
    if (!entry || !isHex(entry.token_public_key)) throw refuse('A campaign lists no token key for your lab');
    try {
      const key = await PledgeCrypto.importTokenKey(PledgeCrypto.fromHex(entry.token_public_key));
      return { key, keyHex: entry.token_public_key, title: manifest.title };
    } catch {
      throw refuse('A campaign’s token key is not a valid key');
    }
  }

  /** Prepare and blind one token per campaign; ``prepared`` and ``inv`` never leave here. */
  async function blindAll(campaigns, lab) {
    const pending = new Map();
    for (const campaign of campaigns) {
      const { key, keyHex, title } = await campaignKey(campaign, lab);
      const prepared = PledgeCrypto.prepareToken(PledgeCrypto.tokenMessage(asciiBytes(campaign.id), lab));
      const { blindedMsg, inv } = await PledgeCrypto.blindToken(key, prepared);
      pending.set(campaign.id, { campaign: { id: campaign.id, slug: campaign.slug, title }, key, keyHex, prepared, blindedMsg, inv });
    }
    return pending;
  }

  /** Unblind and verify one signature into a §5 token. */
  async function finalizeOne(entry, lab, blindSignatureHex) {
    const refused = new ShownError(`The signature for “${entry.campaign.title}” does not verify; no token was stored.`);
    let signature;
    try {
      signature = await PledgeCrypto.finalizeToken(entry.key, entry.prepared, PledgeCrypto.fromHex(blindSignatureHex), entry.inv);
    } catch {
      throw refused;
    }
    if (!(await PledgeCrypto.verifyToken(entry.key, entry.prepared, signature))) throw refused;
    return {
      campaign: entry.campaign.id, slug: entry.campaign.slug, title: entry.campaign.title, lab,
      token_key: entry.keyHex, prepared: PledgeCrypto.toHex(entry.prepared), signature: PledgeCrypto.toHex(signature),
    };
  }

  /** The tokens and the already-issued campaigns of an issuance answer, checked against what we asked. */
  async function finalizeAll(pending, lab, answer) {
    if (!answer || !Array.isArray(answer.signatures) || !Array.isArray(answer.already_issued)) {
      throw new ShownError('The server’s answer was malformed; no token was stored.');
    }
    const answered = new Set();
    const take = (id) => {
      if (!pending.has(id) || answered.has(id)) {
        throw new ShownError('The server answered for a campaign it was not asked about; no token was stored.');
      }
      answered.add(id);
      return pending.get(id);
    };
    const tokens = [];
    for (const item of answer.signatures) {
      const entry = take(isPlainObject(item) ? item.campaign : null);
      if (!isHex(item.blind_signature)) throw new ShownError('The server’s answer was malformed; no token was stored.');
      tokens.push(await finalizeOne(entry, lab, item.blind_signature));
    }
    const already = answer.already_issued.map((id) => take(id).campaign);
    return { tokens, already };
  }

  /** From a correct code's ticket to stored tokens; resolves to what step 3 shows. */
  async function obtainTokens(body) {
    const { ticket, campaigns } = checkedTicket(body);
    const lab = body.lab.slug;
    say(`Checking the keys of ${count(campaigns.length, 'campaign')} and blinding your tokens in this browser…`, 'busy');
    const pending = await blindAll(campaigns, lab);
    const requests = [...pending.entries()].map(([id, entry]) => ({ campaign: id, blinded: PledgeCrypto.toHex(entry.blindedMsg) }));
    say('Asking the server to sign the blinded tokens…', 'busy');
    const issued = await requestJson(API.issue, { ticket, requests });
    if (issued.status === 409 && issued.data?.error === 'already_issued') {
      const everything = [...pending.values()].map((entry) => entry.campaign);
      return { added: [], kept: [], already: everything, message: failure(issued).message };
    }
    if (!issued.ok) throw failure(issued);
    const { tokens, already } = await finalizeAll(pending, lab, issued.data);
    const { added, kept } = await PledgeTokens.add(tokens);
    return { added, kept, already, message: null };
  }

  async function onCodeSubmit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const input = $('verify-code');
    const code = input.value.replace(/\s+/g, '');
    if (!CODE.test(code)) {
      markInvalid(input, true);
      say('The code is the 8 digits from the email.', 'error');
      input.focus();
      return;
    }
    setBusy(form, true);
    say('Checking the code…', 'busy');
    let spent = false;
    try {
      const result = await requestJson(API.check, { email: flow.email, code, handle: flow.handle });
      if (!result.ok) throw failure(result);
      spent = true;
      flow.email = null; // from here on the single-use ticket stands for the address
      flow.handle = null;
      input.value = '';
      $('verify-email').value = '';
      markInvalid(input, false);
      showResult(await obtainTokens(result.data));
    } catch (error) {
      setBusy(form, false);
      showError(error);
      if (spent) {
        say(`${$('verify-status').textContent} Start again with a new code.`, 'error');
        showStep('step-email', 'verify-email');
      } else {
        markInvalid(input, error.code === 'wrong_code' || error.code === 'invalid_code');
        input.focus();
        input.select();
      }
    } finally {
      setBusy(form, false);
      await renderStored().catch(showError);
    }
  }

  function showResult({ added, kept, already, message }) {
    listCampaigns($('result-issued-list'), added);
    $('result-issued').hidden = added.length === 0;
    listCampaigns($('result-kept-list'), kept);
    $('result-kept').hidden = kept.length === 0;
    listCampaigns($('result-already-list'), already);
    $('result-already-message').textContent = message
      || 'This address already received its token for these campaigns, so no new one was issued:';
    $('result-already').hidden = already.length === 0;
    say(added.length ? `Done: ${count(added.length, 'new token')} stored in this browser.` : (message || 'No new token was issued.'), 'ok');
    showStep('step-result');
  }

  function onRestart() {
    flow.email = null;
    flow.handle = null;
    $('verify-code').value = '';
    say('', null);
    showStep('step-email', 'verify-email');
  }

  // --- tokens in this browser, export, import -------------------------------------------------

  async function renderStored() {
    const tokens = (await PledgeTokens.all()).sort((a, b) => String(a.title).localeCompare(String(b.title)));
    listCampaigns($('stored-list'), tokens, (token) => {
      const lab = document.createElement('span');
      lab.className = 'verify-token-lab';
      lab.textContent = ` (${labName(token.lab)})`;
      return lab;
    });
    $('stored-empty').hidden = tokens.length > 0;
    $('export-button').disabled = tokens.length === 0;
  }

  /** Download the §5 file through a Blob URL: the tokens never leave this browser otherwise. */
  async function onExport() {
    try {
      const tokens = await PledgeTokens.all();
      if (tokens.length === 0) throw new ShownError('There are no tokens in this browser to export.');
      const text = `${JSON.stringify(PledgeTokens.fileDocument(tokens), null, 2)}\n`;
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = FILE_NAME;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60000);
      say(`Exported ${count(tokens.length, 'token')} to ${FILE_NAME}. Keep that file private: whoever holds it can sign with your tokens.`, 'ok');
    } catch (error) {
      showError(error);
    }
  }

  async function onImport(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    say('Checking the tokens in the file…', 'busy');
    try {
      const { added, kept } = await PledgeTokens.add(await PledgeTokens.readFile(file));
      const keptText = kept.length === 1 ? ' 1 was already in this browser and was kept as it was.'
        : kept.length ? ` ${kept.length} were already in this browser and were kept as they were.` : '';
      say(`Imported ${count(added.length, 'token')}.${keptText}`, 'ok');
    } catch (error) {
      showError(error);
    } finally {
      input.value = '';
      await renderStored().catch(showError);
    }
  }

  // --- start ------------------------------------------------------------------------------

  function supported() {
    return typeof window.PledgeCrypto === 'object' && typeof window.PledgeTokens === 'object'
      && window.indexedDB && window.crypto && window.crypto.subtle && typeof window.fetch === 'function';
  }

  async function init() {
    const app = $('verify-app');
    app.hidden = false;
    if (!supported()) {
      say('This browser lacks something this page needs (WebCrypto, IndexedDB or the crypto library). '
        + 'Try an up-to-date browser, or the command-line signer pledge-sign.', 'error');
      for (const control of app.querySelectorAll('button, input')) control.disabled = true;
      return;
    }
    $('email-form').addEventListener('submit', onEmailSubmit);
    $('code-form').addEventListener('submit', onCodeSubmit);
    $('restart-button').addEventListener('click', onRestart);
    $('export-button').addEventListener('click', onExport);
    $('import-file').addEventListener('change', onImport);
    await renderStored().catch(showError);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
