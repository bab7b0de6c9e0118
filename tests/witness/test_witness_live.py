"""``pledge-witness`` against the real site on loopback: the trustees cosign honest heads and the
campaign page names them; a log that shows two heads of one size is refused by both witnesses,
naming the fork; a head outside the witness's time window and an entry after the deadline event
are refused; the cosignature endpoint refuses what it must. Exit codes as documented."""

from __future__ import annotations

import json

from crypto import merkle
from crypto.formats import messages
from crypto.log_leaves import EventLeaf, encode_leaf
from pledge_tools import exits
from tests.kit.ticks import publish_due
from tests.witness.kit import (
    append_batch,
    entry_leaf,
    get_json,
    get_text,
    latest,
    post_json,
    rewrite_latest_batch,
    sign,
    witness,
)


def test_trustees_cosign_the_head_and_the_campaign_page_names_them(world, app, client, capsys, monkeypatch):
    sign(app, client, world.campaign, 2)
    publish_due(app, hours=1)
    head = latest(world.campaign)
    page = get_text(f"{world.url}/campaigns/{world.slug}")
    assert f"holds <strong>{head.size}</strong> leaves" in page and "Not yet cosigned by any witness." in page
    assert "No head has been cosigned by 2 witnesses yet" in page

    ctx = world.campaign.ctx.hex()
    publish = world.folder / "published.json"
    first = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", ctx,
                    "--publish", publish, now=head.timestamp + 5)
    assert first.code == exits.EXIT_OK, first.err
    assert f"Cosigned the head of size {head.size}" in first.out
    assert f"root fingerprint {messages.fingerprint(head.root)}" in first.out  # as the campaign page shows roots
    assert f"--ctx has the fingerprint {messages.fingerprint(world.campaign.ctx)}" in first.out
    assert messages.fingerprint(world.campaign.ctx) in page  # the campaign page's manifest hash fingerprint
    state = json.loads(world.state(1).read_text())
    assert (state["size"], state["timestamp"], state["root"]) == (head.size, head.timestamp, head.root.hex())
    assert json.loads(publish.read_text())["size"] == head.size

    page = get_text(f"{world.url}/campaigns/{world.slug}")
    assert "Cosigned by Trustee 1." in page and "No head has been cosigned by 2 witnesses yet" in page

    second = witness(capsys, monkeypatch, world.url, world.slug, world.keys[1], world.state(2), "--ctx", ctx,
                     now=head.timestamp + 5)
    assert second.code == exits.EXIT_OK, second.err
    heads = get_json(f"{world.url}/api/campaigns/{world.slug}/log/heads")
    listed = heads["heads"][-1]["cosignatures"]
    assert set(listed) == {world.people[0].public.ed25519.hex(), world.people[1].public.ed25519.hex()}
    for key, signature in listed.items():
        merkle.verify_cosignature(bytes.fromhex(key), world.campaign.public_id.encode(), head.size, head.timestamp,
                                  head.root, bytes.fromhex(signature))
    page = get_text(f"{world.url}/campaigns/{world.slug}")
    assert "Cosigned by Trustee 1, Trustee 2." in page
    assert "Confirmed by 2 or more witnesses" in page and "cosigned by Trustee 1, Trustee 2." in page

    # Nothing new: the same head, said plainly, exit 0; --watch repeats, bounded here.
    again = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--watch", 1,
                    "--max-checks", 2, now=head.timestamp + 4000)
    assert again.code == exits.EXIT_OK, again.err
    assert again.out.count("No new head") == 2


def test_two_witnesses_refuse_a_log_that_shows_two_heads_of_one_size(world, app, client, capsys, monkeypatch):
    ctx = world.campaign.ctx.hex()
    sign(app, client, world.campaign, 1)  # 1 + 2 entries: below the rule's 4, so no round freezes
    publish_due(app, hours=1)
    head = latest(world.campaign)
    for n in (1, 2):
        run = witness(capsys, monkeypatch, world.url, world.slug, world.keys[n - 1], world.state(n), "--ctx", ctx,
                      now=head.timestamp + 5)
        assert run.code == exits.EXIT_OK, run.err
    sign(app, client, world.campaign, 2)
    publish_due(app, hours=2)
    second = latest(world.campaign)
    shown_first = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1),
                          now=second.timestamp + 5)
    assert shown_first.code == exits.EXIT_OK, shown_first.err

    # The server now shows another head of the same size (two leaves of the batch swapped, signed
    # again with its log key), still listing the first witness's cosignature.
    other_root = rewrite_latest_batch(app, world.campaign)
    assert other_root != second.root and latest(world.campaign).size == second.size

    # The second witness sees a cosignature that does not verify over the head it is shown.
    refused = witness(capsys, monkeypatch, world.url, world.slug, world.keys[1], world.state(2),
                      now=second.timestamp + 5)
    assert refused.code == exits.EXIT_REFUSED
    assert refused.err.count("\n") == 1
    assert "refused to cosign: fork:" in refused.err and "Trustee 1's cosignature" in refused.err
    # The first witness sees the size it cosigned under another root.
    refused = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1),
                      now=second.timestamp + 5)
    assert refused.code == exits.EXIT_REFUSED
    assert f"refused to cosign: fork: two heads of size {second.size} with different roots" in refused.err
    # Neither state moved, and nothing new was cosigned.
    assert json.loads(world.state(1).read_text())["root"] == second.root.hex()
    assert json.loads(world.state(2).read_text())["size"] == head.size
    listed = get_json(f"{world.url}/api/campaigns/{world.slug}/log/heads")["heads"][-1]["cosignatures"]
    assert list(listed) == [world.people[0].public.ed25519.hex()]


def test_a_head_outside_the_witness_window_is_refused(world, app, client, capsys, monkeypatch):
    sign(app, client, world.campaign, 1)
    publish_due(app, hours=1)
    head = latest(world.campaign)
    interval = world.campaign.batch_interval_seconds
    ctx = world.campaign.ctx.hex()
    stale = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", ctx,
                    "--slack", 60, now=head.timestamp + interval + 61)
    assert stale.code == exits.EXIT_REFUSED and "refused to cosign: stale:" in stale.err
    early = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", ctx,
                    "--slack", 60, now=head.timestamp - 61)
    assert early.code == exits.EXIT_REFUSED and "refused to cosign: future:" in early.err
    assert not world.state(1).exists()
    inside = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", ctx,
                     "--slack", 60, now=head.timestamp + interval + 60)
    assert inside.code == exits.EXIT_OK, inside.err


def test_an_entry_appended_after_the_deadline_event_is_refused(world, app, client, capsys, monkeypatch):
    sign(app, client, world.campaign, 1)
    publish_due(app, hours=1)
    deadline = int(world.campaign.deadline.timestamp())
    ctx = world.campaign.ctx.hex()
    # The server ends signing at the deadline (the threshold was never met: expired)...
    ended = append_batch(app, world.campaign, [encode_leaf(EventLeaf("expired"))], deadline)
    run = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", ctx,
                  now=ended.timestamp + 5)
    assert run.code == exits.EXIT_OK, run.err
    assert json.loads(world.state(1).read_text())["lifecycle"]["outcome"] == "expired"
    # ... then appends one more entry, under a validly signed head.
    late = append_batch(app, world.campaign, [entry_leaf(app, world.campaign)], deadline + 3600)
    refused = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1),
                      now=late.timestamp + 5)
    assert refused.code == exits.EXIT_REFUSED
    assert "refused to cosign: lifecycle:" in refused.err and "after the deadline event" in refused.err
    # A witness seeing the log for the first time refuses it too.
    fresh = witness(capsys, monkeypatch, world.url, world.slug, world.keys[1], world.state(2), "--ctx", ctx,
                    now=late.timestamp + 5)
    assert fresh.code == exits.EXIT_REFUSED and "after the deadline event" in fresh.err


def test_the_first_check_pins_the_manifest(world, app, client, capsys, monkeypatch):
    sign(app, client, world.campaign, 1)
    publish_due(app, hours=1)
    head = latest(world.campaign)
    unpinned = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1),
                       now=head.timestamp)
    assert unpinned.code == exits.EXIT_CHECK_FAILED and "--ctx" in unpinned.err
    wrong = witness(capsys, monkeypatch, world.url, world.slug, world.keys[0], world.state(1), "--ctx", "ab" * 32,
                    now=head.timestamp)
    assert wrong.code == exits.EXIT_REFUSED and "wrong-log" in wrong.err
    assert not world.state(1).exists()


def test_network_trouble_exits_6(world, capsys, monkeypatch, tmp_path):
    import socket

    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = witness(capsys, monkeypatch, f"http://127.0.0.1:{port}", world.slug, world.keys[0], world.state(1),
                  "--ctx", "00" * 32, now=0)
    assert run.code == exits.EXIT_UNREACHABLE and "cannot reach" in run.err


def test_the_cosignature_endpoint_refuses_what_it_must(world, app, client):
    sign(app, client, world.campaign, 1)
    publish_due(app, hours=1)
    head = latest(world.campaign)
    url = f"{world.url}/api/campaigns/{world.slug}/log/cosignatures"
    log_id = world.campaign.public_id.encode()
    trustee = world.people[0]

    def body(seed: bytes, key: bytes, *, size=head.size, timestamp=head.timestamp, root=head.root) -> dict:
        signature = merkle.sign_cosignature(seed, log_id, size, timestamp, root)
        return {"size": size, "timestamp": timestamp, "root": root.hex(), "witness": key.hex(),
                "signature": signature.hex()}

    from nacl.signing import SigningKey

    stranger = SigningKey.generate()
    status, answer = post_json(url, body(bytes(stranger), bytes(stranger.verify_key)))
    assert status == 400 and answer["error"] == "unknown_witness" and "not a witness" in answer["message"]
    forged = body(trustee.seed, trustee.public.ed25519) | {"signature": merkle.sign_cosignature(
        trustee.seed, log_id, head.size, head.timestamp + 1, head.root).hex()}
    status, answer = post_json(url, forged)
    assert status == 400 and answer["error"] == "bad_cosignature"
    status, answer = post_json(url, body(trustee.seed, trustee.public.ed25519, root=bytes(32)))
    assert status == 400 and answer["error"] == "unknown_head" and "no head" in answer["message"]
    status, answer = post_json(url, {"size": head.size})
    assert status == 400 and "exactly" in answer["message"]
    status, answer = post_json(url, body(trustee.seed, trustee.public.ed25519) | {"size": -1})
    assert status == 400
    assert get_json(f"{world.url}/api/campaigns/{world.slug}/log/heads")["heads"][-1]["cosignatures"] == {}
    good = body(trustee.seed, trustee.public.ed25519)
    assert post_json(url, good) == (201, {"stored": True})
    assert post_json(url, good) == (201, {"stored": True})  # a repeat is fine
    listed = get_json(f"{world.url}/api/campaigns/{world.slug}/log/heads")["heads"][-1]["cosignatures"]
    assert listed == {trustee.public.ed25519.hex(): good["signature"]}


def test_the_log_endpoints_serve_leaves_and_proofs(world, app, client):
    sign(app, client, world.campaign, 3)
    publish_due(app, hours=1)
    first = latest(world.campaign)
    sign(app, client, world.campaign, 2)
    publish_due(app, hours=2)
    second = latest(world.campaign)
    base = f"{world.url}/api/campaigns/{world.slug}/log"
    leaves = [bytes.fromhex(x) for x in get_json(f"{base}/leaves?start=0&end={second.size}")["leaves"]]
    tree = merkle.MerkleTree.from_leaves(leaves)
    assert tree.root() == second.root and tree.root(first.size) == first.root
    proof = get_json(f"{base}/consistency?from={first.size}&to={second.size}")["proof"]
    merkle.verify_consistency(first.size, second.size, first.root, second.root, [bytes.fromhex(p) for p in proof])
    inclusion = get_json(f"{base}/inclusion?index=1&size={first.size}")
    merkle.verify_inclusion(merkle.leaf_hash(leaves[1]), 1, first.size, [bytes.fromhex(p) for p in inclusion["proof"]],
                            first.root)
    assert get_json(f"{base}/heads?since=1")["heads"][0]["batch"] == 2
    for bad in (f"leaves?start=0&end={second.size + 1}", "leaves?start=2&end=1", "leaves?start=x&end=1",
                f"consistency?from=0&to={second.size + 1}", f"consistency?from={second.size + 1}&to={second.size}",
                f"inclusion?index={first.size}&size={first.size}"):
        status, _ = _get_status(f"{base}/{bad}")
        assert status == 400, bad


def _get_status(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()
