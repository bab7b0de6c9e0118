"""A record cut at an earlier head, checked against the real site and a real witness: with
``--server`` and with ``--witness`` (the witness's published head file) ``pledge-verify`` refuses
it and says why; without either it verifies, but reports the record INCOMPLETE rather than
calling it final. The fresh record passes all three ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pledge.extensions import db
from pledge.services.record import campaign_record
from pledge_tools import exits
from pledge_tools.verify.cli import main as pledge_verify
from tests.kit.ticks import publish_due
from tests.witness.kit import latest, sign, witness


def _verify(capsys, path, *extra) -> tuple[int, str, str]:
    capsys.readouterr()
    code = pledge_verify([str(path), *[str(item) for item in extra]])
    out, err = capsys.readouterr()
    return code, out, err


def _export(tmp_path, name: str, campaign, at: int):
    db.session.rollback()
    path = tmp_path / name
    path.write_bytes(campaign_record(db.session, campaign, datetime.fromtimestamp(at, tz=UTC)))
    return path


def test_a_record_cut_at_an_earlier_head_is_refused_by_server_and_witness(world, app, client, capsys, monkeypatch):
    ctx = world.campaign.ctx.hex()
    published = world.folder / "witness-1-head.json"
    sign(app, client, world.campaign, 2)
    publish_due(app, hours=1)
    first = latest(world.campaign)
    for n in (1, 2):
        run = witness(capsys, monkeypatch, world.url, world.slug, world.keys[n - 1], world.state(n), "--ctx", ctx,
                      "--publish", published if n == 1 else world.folder / "witness-2-head.json",
                      now=first.timestamp + 5)
        assert run.code == exits.EXIT_OK, run.err
    # The record as exported at the first head, while it was fresh.
    cut = _export(world.folder, "cut.json", world.campaign, first.timestamp + 10)

    sign(app, client, world.campaign, 1)
    publish_due(app, hours=2)
    second = latest(world.campaign)
    assert second.size == first.size + 1
    for n in (1, 2):
        run = witness(capsys, monkeypatch, world.url, world.slug, world.keys[n - 1], world.state(n),
                      "--publish", published if n == 1 else world.folder / "witness-2-head.json",
                      now=second.timestamp + 5)
        assert run.code == exits.EXIT_OK, run.err
    fresh = _export(world.folder, "fresh.json", world.campaign, second.timestamp + 10)

    # The server has a later head that w witnesses cosigned: the cut record is refused.
    code, _, err = _verify(capsys, cut, "--server", world.url)
    assert code == exits.EXIT_CHECK_FAILED, err
    assert f"size {second.size}" in err and "cut" in err.lower()
    # So does the witness's own published head, without asking the server.
    code, _, err = _verify(capsys, cut, "--witness", published)
    assert code == exits.EXIT_CHECK_FAILED, err
    assert f"size {second.size}" in err

    # Without either, the cut record still checks out, but it is not reported as final once its
    # confirmed head is more than two batch intervals older than its export.
    code, out, err = _verify(capsys, cut)
    assert code == exits.EXIT_OK, err
    late = _export_cut_late(world, cut, first.timestamp + 3 * world.campaign.batch_interval_seconds)
    code, out, err = _verify(capsys, late)
    assert code == exits.EXIT_OK, err
    assert out.splitlines()[0].startswith("pledge-verify: INCOMPLETE: the latest head with w = 2 cosignatures"), out
    assert "outcome: not confirmed (the record is incomplete)" in out

    # The fresh record passes with the server and the witness.
    for extra in ((), ("--server", world.url), ("--witness", published)):
        code, out, err = _verify(capsys, fresh, *extra)
        assert code == exits.EXIT_OK, (extra, err)
        assert "INCOMPLETE" not in out, out


def _export_cut_late(world, cut, exported_at: int):
    """The cut record as someone would hand it over later: the same content, a later export time."""
    doc = json.loads(cut.read_bytes())
    doc["exported_at"] = exported_at
    path = world.folder / "cut-late.json"
    path.write_text(json.dumps(doc))
    return path
