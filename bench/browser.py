"""The sign page in a real browser: sealing time and what the page transfers.

Debian's Chromium, driven by Playwright (the same launch as the browser tests), opens the real
sign page of the demo campaign served by gunicorn on 127.0.0.1, as a signer who holds a token
(made by the real blind round trip and put in the browser's token store), with the HTTP cache
off so that the load is a first visit.

- **Sealing**: ``PledgeCrypto.seal`` then ``PledgeCrypto.checkCiphertext``, exactly what
  ``sign.js`` runs for one signature, timed in the page over distinct nullifiers, after a few
  warm-up rounds. Floor: one Ed25519 signature check by the same bundle, timed the same way.
- **Transfer size**: every HTML, CSS and JavaScript response the page requested (seen through
  Playwright's response events), each body gzip-compressed at level 6 as a server would send it.
  Floor: the crypto bundle alone, which the page cannot seal without.
"""

from __future__ import annotations

import gzip
import os
import secrets
import statistics
import time
from urllib.parse import urlparse

from nacl.signing import SigningKey

from bench import server
from bench.rows import row
from crypto.hashing import WIRE_VERSION

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SEAL_TARGET_MS = 50.0
SIZE_TARGET_KB = 150.0
PAGE_TYPES = ("document", "stylesheet", "script")
BUNDLE_PATH = "/static/vendor/pledge-crypto.js"

STATEMENT = ("I will not contribute to training or deploying a new frontier model at my lab unless it meets the "
             "conditions of this pledge. ") * 3

# Runs in the page: the same calls as sealAndSubmit in static/js/sign.js, one signature each.
SEAL_SCRIPT = """
async ({Y, ctx, payload, n, warmup, pk, msg, sig}) => {
  const C = window.PledgeCrypto;
  const y = C.fromHex(Y), context = C.fromHex(ctx);
  const nullifiers = [];
  for (let i = 0; i < n + warmup; i++) nullifiers.push(crypto.getRandomValues(new Uint8Array(32)));
  const seal = [];
  for (let i = 0; i < n + warmup; i++) {
    const t0 = performance.now();
    const ad = C.sealAd(context, nullifiers[i]);
    const ciphertext = C.seal(y, ad, payload);
    if (!C.checkCiphertext(y, ad, ciphertext)) throw new Error('sealing failed its own check');
    if (i >= warmup) seal.push(performance.now() - t0);
  }
  const key = C.fromHex(pk), message = C.fromHex(msg), signature = C.fromHex(sig);
  const verify = [];
  for (let i = 0; i < n + warmup; i++) {
    const t0 = performance.now();
    if (!C.verifyEd25519(key, message, signature)) throw new Error('the floor signature does not verify');
    if (i >= warmup) verify.push(performance.now() - t0);
  }
  return {seal, verify};
}
"""


def _browser_peak_mb() -> float:
    """The largest peak resident set among the processes below this one (Chromium's)."""
    return max([0.0, *(server.vm_hwm_mb(pid) for pid in server.descendants(os.getpid()))])


def measure(base: str, slug: str, token_info: dict, signatures: int) -> dict:
    from playwright.sync_api import sync_playwright

    responses = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            sign_url = f"{base}/campaigns/{slug}/sign"
            # Put the token in this browser's store (the verify page would have), then load the
            # page afresh, as the signer does, recording every response.
            page.goto(sign_url, wait_until="load")
            page.evaluate("async (token) => { await window.PledgeTokens.add([token]); }", token_info["token"])

            def record(response) -> None:
                responses.append(response)

            page.on("response", record)
            started = time.perf_counter()
            page.goto(sign_url, wait_until="load")
            page.wait_for_function(
                "() => /Checked in this browser/.test(document.getElementById('sign-status').textContent)",
                timeout=60_000)
            ready_ms = (time.perf_counter() - started) * 1000
            page.remove_listener("response", record)
            files = []
            for response in responses:
                request = response.request
                body = response.body() if response.status == 200 else b""
                files.append({"path": urlparse(response.url).path, "type": request.resource_type,
                              "raw": len(body), "gzip": len(gzip.compress(body, compresslevel=6)) if body else 0,
                              "status": response.status})
            floor_key = SigningKey.generate()
            message = secrets.token_bytes(64)
            payload = {"v": WIRE_VERSION, "display": "name", "name": "Ada Lovelace", "role": "Research scientist",
                       "statement": STATEMENT}
            timings = page.evaluate(SEAL_SCRIPT, {
                "Y": token_info["Y"], "ctx": token_info["ctx"], "payload": payload, "n": signatures, "warmup": 5,
                "pk": bytes(floor_key.verify_key).hex(), "msg": message.hex(),
                "sig": floor_key.sign(message).signature.hex(),
            })
            peak = _browser_peak_mb()
            context.close()
        finally:
            browser.close()
    return {"files": files, "ready_ms": ready_ms, "timings": timings, "peak_mb": peak}


def run(quick: bool = False) -> list[dict]:
    """Sealing time and transfer size of the sign page, in Chromium."""
    signatures = 20 if quick else 50
    with server.scratch("pledge-bench-browser-") as folder:
        instance = server.Instance.create(folder / "instance")
        slug = instance.setup("seed")["slug"]
        token_info = instance.setup("token", "--slug", slug)
        with server.gunicorn("pledge:create_app()", instance.env, folder / "pledge.log", "/about") as app:
            result = measure(app.base, slug, token_info, signatures)
            server_peak = app.peak_mb()
    seal, verify = result["timings"]["seal"], result["timings"]["verify"]
    seal_ms, verify_ms = statistics.mean(seal), statistics.mean(verify)
    page_files = [f for f in result["files"] if f["type"] in PAGE_TYPES]
    other = [f for f in result["files"] if f["type"] not in PAGE_TYPES]
    total_kb = sum(f["gzip"] for f in page_files) / 1000
    bundle = [f for f in page_files if f["path"] == BUNDLE_PATH]
    bundle_kb = bundle[0]["gzip"] / 1000 if bundle else None
    bad = [f"{f['path']} {f['status']}" for f in result["files"] if f["status"] != 200]
    listing = ", ".join(f"{f['path'].rsplit('/', 1)[-1] or f['path']} {f['gzip'] / 1000:.1f}" for f in page_files)
    peak = result["peak_mb"]
    rows = [
        row(f"browser: seal + self-check, {len(seal)} signatures (ms each)", seal_ms, floor=verify_ms,
            higher_is_better=False, target=f"< {SEAL_TARGET_MS:g} ms", ok=seal_ms < SEAL_TARGET_MS, peak_mb=peak,
            note=f"median {statistics.median(seal):.1f} ms, max {max(seal):.1f} ms; floor: one Ed25519 check in the "
                 f"same bundle; page ready (campaign key checked) {result['ready_ms']:.0f} ms after navigation; "
                 f"peak: Chromium's largest process (gunicorn's {server_peak:.0f} MB)"),
        row("browser: sign page HTML+CSS+JS, gzip (KB)", total_kb, floor=bundle_kb, higher_is_better=False,
            target=f"< {SIZE_TARGET_KB:g} KB", ok=total_kb < SIZE_TARGET_KB and not bad, peak_mb=peak,
            note=f"{len(page_files)} files: {listing} KB (uncompressed {sum(f['raw'] for f in page_files) / 1000:.0f} KB); "
                 f"also fetched: " + (", ".join(f"{f['path']} {f['gzip'] / 1000:.1f} KB" for f in other) or "nothing")
                 + (f"; NOT 200: {bad}" if bad else "") + "; floor: the crypto bundle alone"),
    ]
    return rows
