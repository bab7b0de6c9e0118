"""The canonical manifest and ctx (docs/protocol.md §3)."""

from datetime import UTC, datetime, timedelta

import pytest

from crypto.hashing import H
from pledge.services.manifest import (
    ManifestError,
    Protection,
    TrusteeKeys,
    Witness,
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
        protection=protection(),
    )
    base.update(overrides)
    return base


def protection(**overrides) -> Protection:
    base = dict(k=5, practice=False, log_key=b"\x07" * 32, witnesses=(), w=2, batch_interval=3600,
                reveal_window=14 * 86400)
    base.update(overrides)
    return Protection(**base)


def test_canonical_bytes_are_fixed_and_documented():
    manifest = build_manifest(**inputs())
    encoded = manifest_bytes(manifest)
    # Keys sorted, no whitespace, bytes as lowercase hex, labs by slug, conditions in the given order.
    assert encoded.startswith(b'{"batch_interval":3600,"conditions":["Condition B","Condition A"],'
                              b'"deadline":"2027-03-01T17:00:00Z","id":"0123')
    assert b'"k":5,"labs":[' in encoded
    assert b'"log_key":"' + (b"07" * 32) + b'","n":3,"pledge_text":' in encoded
    assert b'"practice":false,"reveal_window":1209600,"rule":' in encoded
    assert encoded.endswith(b',"w":2,"witnesses":[]}')
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
        {"protection": protection(k=6)},
        {"protection": protection(log_key=b"\x08" * 32)},
        {"protection": protection(batch_interval=900)},
        {"protection": protection(reveal_window=7 * 86400)},
        {"protection": protection(practice=True)},
    ],
)
def test_any_change_gives_a_different_ctx(change):
    assert manifest_ctx(build_manifest(**inputs(**change))) != manifest_ctx(build_manifest(**inputs()))


def test_the_extra_witnesses_are_in_ctx():
    def with_witness(name: str, key: bytes) -> bytes:
        return manifest_ctx(build_manifest(**inputs(t=3, protection=protection(witnesses=(Witness(name, key),), w=3))))

    assert with_witness("Auditor", b"\x09" * 32) != with_witness("Auditor", b"\x0a" * 32)
    assert with_witness("Auditor", b"\x09" * 32) != with_witness("Auditor B", b"\x09" * 32)


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
        ({"protection": protection(k=1)}, "k must be at least 2"),
        ({"protection": protection(w=3)}, "w must not exceed t = 2"),
        ({"protection": protection(w=1)}, "w must be a majority"),
        ({"protection": protection(log_key=b"\x07" * 31)}, "32 bytes"),
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
    manifest = manifest_for_campaign(campaign, keys, trustees, log_key=b"\x0a" * 32)
    assert manifest["id"] == campaign.public_id
    assert manifest["conditions"] == ["First", "Second"]
    assert [lab["slug"] for lab in manifest["labs"]] == ["anthropic", "meta", "openai"]
    assert manifest["rule"] == {"min_total": 50, "min_per_lab": 10, "min_labs": 2}
    # The protecting parameters, from the campaign and its defaults (w: the smallest majority).
    assert (manifest["k"], manifest["practice"], manifest["log_key"], manifest["witnesses"]) == (5, False, b"\x0a" * 32, [])
    assert (manifest["w"], manifest["batch_interval"], manifest["reveal_window"]) == (2, 3600, 14 * 86400)


def test_a_campaign_manifest_with_extra_witnesses_passes_the_strict_v2_parse(make_campaign):
    import json

    from nacl.public import PrivateKey

    from crypto.formats.files import parse_manifest
    from crypto.formats.jsonfile import Obj
    from crypto.hashing import canonical_json
    from pledge.services.manifest import manifest_for_campaign

    extra = [{"name": "Auditor", "ed25519": "ab" * 32}, {"name": "Watch group", "ed25519": "cd" * 32}]
    campaign = make_campaign(trustee_quorum=3, trustee_count=3, extra_witnesses=json.dumps(extra), practice=True,
                             suppress_below=1, min_per_lab=0, min_labs=0, reveal_window_seconds=86400)
    keys = {lab.slug: b"\x05" * 8 for lab in campaign.labs}
    # The strict parse refuses X25519 keys outside the prime-order subgroup: real keys here.
    trustees = [TrusteeKeys(i, f"T{i}", bytes([i]) * 32, bytes(PrivateKey(bytes([i]) * 32).public_key))
                for i in (1, 2, 3)]
    manifest = json.loads(canonical_json(manifest_for_campaign(campaign, keys, trustees, log_key=b"\x0a" * 32)))
    parsed = parse_manifest(Obj(manifest, "manifest"))
    assert (parsed.k, parsed.practice, parsed.w, parsed.reveal_window) == (1, True, 3, 86400)
    assert parsed.log_key == b"\x0a" * 32
    assert parsed.witnesses == {bytes([1]) * 32: "T1", bytes([2]) * 32: "T2", bytes([3]) * 32: "T3",
                                bytes.fromhex("ab" * 32): "Auditor", bytes.fromhex("cd" * 32): "Watch group"}
