"""The committed bundle is the one recorded: its SHA-256 and its freedom from eval.

The bundle is vendored so that a fresh clone needs no JavaScript build. ``bundle.json`` and
``BUNDLE.md`` (both written by ``npm run build``) record its hash and exact package versions; the
hash is what an auditor compares against a rebuild and what pages can pin with SRI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from tests.browser_crypto.kit import BUNDLE, VENDOR

EXPECTED_PACKAGES = {"@noble/curves", "@noble/hashes", "@noble/ciphers", "@cloudflare/blindrsa-ts"}
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def _record() -> dict:
    return json.loads((VENDOR / "bundle.json").read_text(encoding="utf-8"))


def test_bundle_sha256_matches_bundle_json():
    record = _record()
    data = BUNDLE.read_bytes()
    assert record["file"] == BUNDLE.name
    assert hashlib.sha256(data).hexdigest() == record["sha256"]
    assert len(data) == record["bytes"]


def test_bundle_md_states_the_same_hash_and_versions():
    record = _record()
    text = (VENDOR / "BUNDLE.md").read_text(encoding="utf-8")
    assert f"SHA-256: `{record['sha256']}`" in text
    sri = base64.b64encode(hashlib.sha256(BUNDLE.read_bytes()).digest()).decode()
    assert f"sha256-{sri}" in text
    for name, version in record["packages"].items():
        assert f"| `{name}` | {version} |" in text
    assert "npm ci && npm run build" in text


def test_versions_are_exact_and_match_the_lockfile():
    record = _record()
    assert set(record["packages"]) == EXPECTED_PACKAGES
    manifest = json.loads((VENDOR / "build" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((VENDOR / "build" / "package-lock.json").read_text(encoding="utf-8"))
    declared = {**manifest["dependencies"], **manifest["devDependencies"]}
    for name, version in declared.items():
        assert EXACT_VERSION.match(version), f"{name} is not pinned exactly: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for name, version in record["packages"].items():
        assert manifest["dependencies"][name] == version
    assert declared["esbuild"] == record["esbuild"]


def test_bundle_has_no_eval_new_function_or_wasm():
    # The bundle must run under script-src 'self': no string-to-code and no WebAssembly.
    text = BUNDLE.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)  # comments may mention them
    for forbidden in (r"\beval\s*\(", r"\bnew\s+Function\b", r"\bFunction\s*\(", r"WebAssembly",
                      r"setTimeout\s*\(\s*['\"`]", r"setInterval\s*\(\s*['\"`]"):
        assert not re.search(forbidden, text), forbidden
        assert not re.search(forbidden, code), forbidden
    assert "var PledgeCrypto = (() => {" in text  # the IIFE defines exactly one global
