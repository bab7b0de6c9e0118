"""The canonical manifest and ctx (DESIGN §4.1)."""

from datetime import UTC, datetime, timedelta

import pytest

from crypto.hashing import H
from pledge.services.manifest import (
    ManifestError,
    TrusteeKeys,
    build_manifest,
    manifest_bytes,
    manifest_ctx,
)

DEADLINE = datetime(2027, 3, 1, 17, 0, 0, tzinfo=UTC)


def inputs(**overrides):
    base = dict(
        public_id="0123456789abcdef" * 2,
        slug="demo",
        title="Evaluations first",
        pledge_text="I will **not** work on X.\n",
        conditions=["Condition B", "Condition A"],
        labs=[
            {"slug": "openai", "name": "OpenAI", "domains": ["openai.com"]},
            {"slug": "anthropic", "name": "Anthropic", "domains": ["anthropic.com"]},
        ],
        token_public_keys={"openai": b"\x02" * 4, "anthropic": b"\x01" * 4},
        min_total=10,
        min_per_lab=5,
        min_labs=2,
        deadline=DEADLINE,
        t=2,
        n=3,
        trustees=[TrusteeKeys(i, f"Trustee {i}", bytes([i]) * 32, bytes([i + 10]) * 32) for i in (3, 1, 2)],
    )
    base.update(overrides)
    return base


def test_canonical_bytes_are_fixed_and_documented():
    manifest = build_manifest(**inputs())
    encoded = manifest_bytes(manifest)
    # Keys sorted, no whitespace, bytes as lowercase hex, labs by slug, conditions in the given order.
    assert encoded.startswith(b'{"conditions":["Condition B","Condition A"],"deadline":"2027-03-01T17:00:00Z","id":"0123')
    assert b'"labs":[{"domains":["anthropic.com"],"name":"Anthropic","slug":"anthropic","token_public_key":"01010101"}' in encoded
    assert b'"trustees":[{"ed25519":"' + (b"01" * 32) + b'","index":1' in encoded
    stripped = encoded
    for text_with_spaces in (b"Condition ", b"Trustee ", b"Evaluations first", b"I will **not** work on X."):
        stripped = stripped.replace(text_with_spaces, b"")
    assert b" " not in stripped
    assert manifest_ctx(manifest) == H("manifest", encoded, n=32)
    assert len(manifest_ctx(manifest)) == 32


def test_ctx_is_stable_across_input_order():
    a = build_manifest(**inputs())
    b = build_manifest(**inputs(labs=list(reversed(inputs()["labs"])), trustees=list(reversed(inputs()["trustees"]))))
    assert manifest_ctx(a) == manifest_ctx(b)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Evaluations first!"},
        {"pledge_text": "I will **not** work on Y.\n"},
        {"conditions": ["Condition A", "Condition B"]},
        {"min_total": 11},
        {"min_per_lab": 6},
        {"min_labs": 1},
        {"deadline": DEADLINE + timedelta(seconds=1)},
        {"t": 3},
        {"token_public_keys": {"openai": b"\x02" * 4, "anthropic": b"\x01" * 5}},
        {"public_id": "f" * 32},
    ],
)
def test_any_change_gives_a_different_ctx(change):
    assert manifest_ctx(build_manifest(**inputs(**change))) != manifest_ctx(build_manifest(**inputs()))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"token_public_keys": {"openai": b"\x02"}}, "no token public key for lab anthropic"),
        ({"t": 4}, "1 <= t <= n"),
        ({"trustees": [TrusteeKeys(1, "a", b"\x01" * 32, b"\x02" * 32)]}, "exactly 1..n"),
        ({"trustees": [TrusteeKeys(i, "a", b"\x01" * 31, b"\x02" * 32) for i in (1, 2, 3)]}, "32 bytes"),
        ({"public_id": "XYZ"}, "32 lowercase hex"),
        ({"labs": []}, "at least one eligible lab"),
        ({"deadline": datetime(2027, 1, 1)}, "timezone-aware"),
    ],
)
def test_incomplete_inputs_are_refused(change, message):
    with pytest.raises(ManifestError, match=message):
        build_manifest(**inputs(**change))


def test_manifest_of_a_campaign_model(make_campaign):
    from pledge.services.manifest import manifest_for_campaign

    campaign = make_campaign(conditions=("First", "Second"))
    keys = {lab.slug: b"\x05" * 8 for lab in campaign.labs}
    trustees = [TrusteeKeys(i, f"T{i}", bytes([i]) * 32, bytes([i]) * 32) for i in (1, 2, 3)]
    manifest = manifest_for_campaign(campaign, keys, trustees)
    assert manifest["id"] == campaign.public_id
    assert manifest["conditions"] == ["First", "Second"]
    assert [lab["slug"] for lab in manifest["labs"]] == ["anthropic", "meta", "openai"]
    assert manifest["rule"] == {"min_total": 50, "min_per_lab": 10, "min_labs": 2}
