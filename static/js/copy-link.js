/**
 * "Copy link" on the campaign page: copies the campaign's address (the readonly input next to
 * the button, which is all a browser without JavaScript shows) and says whether it worked.
 *
 * Plain script, no third party; the button stays hidden unless this script runs.
 */
(function () {
  'use strict';

  function say(status, message, kind) {
    status.textContent = message;
    for (const name of ['ok', 'error']) status.classList.toggle(`is-${name}`, kind === name);
  }

  function legacyCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch (error) {
      return false;
    }
  }

  function setUp() {
    const input = document.getElementById('campaign-link');
    const button = document.getElementById('copy-link-button');
    const status = document.getElementById('copy-link-status');
    if (!input || !button || !status) return;
    button.hidden = false;
    input.addEventListener('focus', () => input.select());
    button.addEventListener('click', async () => {
      let copied = false;
      if (navigator.clipboard && window.isSecureContext) {
        try {
          await navigator.clipboard.writeText(input.value);
          copied = true;
        } catch (error) {
          copied = false;
        }
      }
      if (!copied) copied = legacyCopy(input);
      if (copied) {
        say(status, 'Link copied.', 'ok');
      } else {
        input.focus();
        input.select();
        say(status, 'This browser did not let the page copy: the link is selected, copy it yourself.', 'error');
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setUp);
  else setUp();
}());
