"""The sign page's opening code (static/js/signing-common.js) agrees with crypto.opening and
crypto.log_leaves byte for byte: the lab commitment, the entry leaf and its hash; and it is as
strict as the Python side about what an opening, an entry leaf and a receipt are."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import blindrsa, log_leaves, merkle
from crypto.formats import receipt as receipts
from crypto.hashing import canonical_json
from crypto.opening import Opening, lab_commitment
from tests.browser import live_server
from tests.browser_crypto.kit import CSP, ROOT, CryptoPage, crypto_test_app

COMMON = ROOT / "static" / "js" / "signing-common.js"


def _app(environ, start_response):
    """The crypto test page, plus signing-common.js under the same strict CSP."""
    if environ.get("PATH_INFO") != "/signing-common.js":
        return crypto_test_app(environ, start_response)
    body = Path(COMMON).read_bytes()
    start_response("200 OK", [("Content-Security-Policy", CSP), ("Content-Type", "text/javascript; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server(_app) as url:
        yield url


@pytest.fixture
def signing(browser_page, server) -> Iterator[CryptoPage]:
    browser_page.goto(server + "/")
    browser_page.add_script_tag(url="/signing-common.js")
    assert browser_page.evaluate("typeof window.PledgeSigning") == "object"
    page = CryptoPage(browser_page)
    yield page
    assert page.violations() == []


def _opening(slug: str = "zoë-lab") -> Opening:
    prepared = os.urandom(32) + b"pledge-token/v2" + os.urandom(40)
    return Opening(slug, prepared, os.urandom(256), os.urandom(32))


def _doc(opening: Opening) -> dict:
    return {"nonce": opening.nonce.hex(), "prepared_message": opening.prepared_message.hex(), "slug": opening.slug,
            "token_signature": opening.token_signature.hex()}


def test_the_lab_commitment_and_the_entry_leaf_agree_with_python(signing):
    opening, ciphertext_hash, key = _opening(), os.urandom(32), os.urandom(32)
    leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
        lab_commitment=opening.commitment, nullifier=opening.nullifier, ciphertext_sha256=ciphertext_hash,
        withdrawal_key=key))
    got = signing.run(
        """(a) => {
            const S = window.PledgeSigning;
            const c = S.labCommitment(a.opening);
            const nullifier = P.nullifier(h(a.opening.prepared_message));
            const leaf = S.entryLeaf({ ciphertextSha256: h(a.ct), labCommitment: c, nullifier, withdrawalKey: h(a.key) });
            return { c: x(c), leaf: x(leaf), hash: x(P.leafHash(leaf)), parsed: S.parseEntryLeaf(leaf) };
        }""", {"opening": _doc(opening), "ct": ciphertext_hash.hex(), "key": key.hex()})
    assert got["c"] == lab_commitment(opening.slug, opening.prepared_message, opening.token_signature, opening.nonce).hex()
    assert got["leaf"] == leaf.hex() and got["hash"] == merkle.leaf_hash(leaf).hex()
    assert got["parsed"]["lab_commitment"] == opening.commitment.hex()


def test_new_openings_draw_a_fresh_nonce_and_are_well_formed(signing):
    got = signing.run("""() => {
        const S = window.PledgeSigning;
        const a = S.newOpening('anthropic', '00'.repeat(40), 'ab'.repeat(256));
        const b = S.newOpening('anthropic', '00'.repeat(40), 'ab'.repeat(256));
        return { a, b, ok: S.isOpening(a) };
    }""")
    assert got["ok"] and got["a"]["nonce"] != got["b"]["nonce"] and len(got["a"]["nonce"]) == 64
    assert set(got["a"]) == {"nonce", "prepared_message", "slug", "token_signature"}


@pytest.mark.parametrize("change", [
    lambda d: d.update(extra="x"), lambda d: d.pop("nonce"), lambda d: d.update(nonce=d["nonce"].upper()),
    lambda d: d.update(nonce=d["nonce"][:62]), lambda d: d.update(slug=""), lambda d: d.update(slug="x" * 256),
    lambda d: d.update(prepared_message="00" * 32),
], ids=["extra key", "missing nonce", "upper-case hex", "short nonce", "empty lab", "long lab", "short prepared"])
def test_a_malformed_opening_is_refused(signing, change):
    doc = _doc(_opening())
    change(doc)
    assert signing.run("(a) => window.PledgeSigning.isOpening(a)", doc) is False


def test_only_the_canonical_entry_leaf_parses(signing):
    opening = _opening()
    leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(opening.commitment, opening.nullifier, os.urandom(32), os.urandom(32)))
    withdrawal = log_leaves.encode_leaf(log_leaves.WithdrawalLeaf(opening.nullifier, os.urandom(64)))
    spaced = leaf.replace(b",", b", ")
    extra = canonical_json({**json.loads(leaf), "lab": "anthropic"})
    got = signing.run("(a) => a.map((leaf) => window.PledgeSigning.parseEntryLeaf(h(leaf)) !== null)",
                      [leaf.hex(), withdrawal.hex(), spaced.hex(), extra.hex()])
    assert got == [True, False, False, False]


def test_a_python_receipt_is_a_browser_receipt_and_its_opening_must_be_its_tokens(signing, tmp_path):
    prepared = blindrsa.prepare(blindrsa.token_message(b"0" * 32, "anthropic"))
    opening = Opening("anthropic", prepared, os.urandom(256), os.urandom(32))
    receipt = receipts.Receipt("https://pledge.example", "ab" * 16, "a-campaign", os.urandom(32),
                               hashlib.sha256(b"leaf").digest(), opening.nullifier, opening, os.urandom(32))
    path = tmp_path / "receipt.json"
    receipts.write_receipt(path, receipt)
    assert receipts.load_receipt(path) == receipt
    doc = json.loads(path.read_text())
    other = {**doc, "opening": {**doc["opening"], "prepared_message": (os.urandom(32) + prepared[32:]).hex()}}
    got = signing.run("(a) => a.map((d) => window.PledgeSigning.isReceipt(d))", [doc, other])
    assert got == [True, False]
