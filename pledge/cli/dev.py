"""``flask --app pledge dev serve``: the whole development site in one command.

Starts the local SMTP sink, runs ``flask --app pledge tick`` every ``--tick-every`` seconds in a
separate process (as cron would in production), and serves the app on 127.0.0.1.

The sink listens on ``MAIL_PORT`` (8025 unless ``PLEDGE_MAIL_PORT`` says otherwise) when that
port is free, else on a free port the kernel picks. The tick's processes get that port in
``PLEDGE_MAIL_PORT``; ``dev publish-now``, run from another terminal, reads it from
``instance/dev-mail-port``, which ``dev serve`` writes while it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug._internal import _log
from werkzeug.serving import WSGIRequestHandler, run_simple

from crypto.formats.counts import count
from pledge.devsmtp import port_is_free, start_sink_near

#: Where ``dev serve`` leaves its sink's port, in the instance folder, for ``dev publish-now``.
MAIL_PORT_FILE = "dev-mail-port"


class _NoAddressRequestHandler(WSGIRequestHandler):
    """Development request log without client addresses: logs never identify visitors.

    Only the log line leaves the address out. Werkzeug also builds ``REMOTE_ADDR`` from
    :meth:`address_string`, and the rate limits count clients by it, so that stays the real
    address: overriding it would put every visitor in one bucket."""

    def log(self, type: str, message: str, *args: object) -> None:
        _log(type, f"- - - [{self.log_date_time_string()}] {message}\n", *args)


def _tick_loop(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "pledge", "tick"],
            capture_output=True, text=True, check=False,
        )
        output = (result.stdout or result.stderr).strip().splitlines()
        if output:
            click.echo(f"[tick] {output[-1]}")
        # Then the demo trustees witness the new heads, as their own pledge-witness would.
        witnessed = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "pledge", "dev", "witness"],
            capture_output=True, text=True, check=False,
        )
        for line in (witnessed.stdout or witnessed.stderr).strip().splitlines():
            click.echo(f"[witness] {line}")


@click.group("dev")
def dev_group() -> None:
    """Development helpers."""


@dev_group.command("serve")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--tick-every", default=30.0, show_default=True, type=float, help="Seconds between ticks.")
@with_appcontext
def serve_command(port: int, tick_every: float) -> None:
    """Serve the site with the SMTP sink and the periodic tick."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as the Flask app
    if app.config["PLEDGE_ENV"] != "development":
        raise click.ClickException("dev serve needs PLEDGE_ENV=development")
    if not 0 < port < 65536:
        raise click.ClickException(f"--port must be from 1 to 65535, not {port}")
    if not port_is_free("127.0.0.1", port):
        raise click.ClickException(f"port {port} on 127.0.0.1 is taken by another program; "
                                   f"serve on another one, e.g. PORT={_other_port(port)} make run")
    preferred = int(app.config["MAIL_PORT"])
    sink, mail_port = start_sink_near(app.config["MAIL_DIR"], "127.0.0.1", preferred)
    app.config["MAIL_PORT"] = mail_port
    os.environ["PLEDGE_MAIL_PORT"] = str(mail_port)  # the tick's processes send here too
    stop = threading.Event()
    ticker = threading.Thread(target=_tick_loop, args=(stop, tick_every), daemon=True)
    ticker.start()
    moved = "" if mail_port == preferred else f" ({preferred} is taken by another program)"
    click.echo(f"SMTP sink on 127.0.0.1:{mail_port}{moved}, writing to {app.config['MAIL_DIR']}")
    click.echo(f"Development mailbox: http://127.0.0.1:{port}/dev/mail")
    click.echo(f"Serving Pledge on http://127.0.0.1:{port}  (Ctrl-C to stop)")
    port_file = Path(app.instance_path) / MAIL_PORT_FILE
    port_file.write_text(f"{mail_port}\n", encoding="ascii")
    try:
        # Never the interactive debugger: it would run arbitrary code for anyone who reaches it.
        run_simple("127.0.0.1", port, app, use_reloader=False, use_debugger=False, threaded=True,
                   request_handler=_NoAddressRequestHandler)
    finally:
        stop.set()
        sink.stop()
        port_file.unlink(missing_ok=True)


def _other_port(port: int) -> int:
    """A port to suggest instead of a taken one."""
    return 8000 if port != 8000 else 8001


def use_running_sink(app: Flask) -> None:
    """Send this command's mail to the sink of the ``dev serve`` running on this instance (it
    may have moved off the configured port), unless ``PLEDGE_MAIL_PORT`` names a port."""
    if os.environ.get("PLEDGE_MAIL_PORT"):
        return
    try:
        text = (Path(app.instance_path) / MAIL_PORT_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return  # no dev serve here: the configured port
    if text.isdigit() and 0 < int(text) < 65536:
        app.config["MAIL_PORT"] = int(text)


def _send_trustee_mail(app: Flask, batches: list) -> None:
    """What the tick would have sent for these batches: a frozen round asks the trustees to
    decrypt it; an expiry asks them to destroy their shares."""
    from pledge.services.notify import Outgoing, send_all

    outgoing = []
    for batch in batches:
        trustees = batch.campaign.trustees
        if batch.round_frozen is not None:
            outgoing += [Outgoing(to=trustee.email, subject="Pledge: a reveal round is ready for you",
                                  template="reveal_round",
                                  context={"campaign": batch.campaign, "trustee": trustee, "round": batch.round_frozen})
                         for trustee in trustees]
        if batch.expired:
            outgoing += [Outgoing(to=trustee.email, subject="Pledge: please destroy your share",
                                  template="destroy_share", context={"campaign": batch.campaign, "trustee": trustee})
                         for trustee in trustees]
    if not outgoing:
        return
    use_running_sink(app)
    with app.test_request_context(base_url=app.config.get("PUBLIC_URL") or "http://127.0.0.1"):
        failed = send_all(outgoing)
    sent = len(outgoing) - len(failed)
    click.echo(f"{count(sent, 'email')} to the trustees sent (the dev mailbox shows them)"
               + (f"; {len(failed)} could not be sent" if failed else ""))


@dev_group.command("witness")
@with_appcontext
def witness_command() -> None:
    """Let the demo trustees cosign new heads of the campaigns they witness (development only)."""
    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import utcnow
    from pledge.services.demo_witness import witness_demo_campaigns

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as the Flask app
    if app.config["PLEDGE_ENV"] != "development":
        raise click.ClickException("dev witness is for development only: real witnesses run pledge-witness")
    with write_intent():
        lines = witness_demo_campaigns(db.session(), Path(app.instance_path) / "demo-trustees", utcnow())
        db.session.commit()
    for line in lines:
        click.echo(line)


@dev_group.command("publish-now")
@click.argument("slug", required=False)
@with_appcontext
def publish_now_command(slug: str | None) -> None:
    """Publish a batch at once (development only), instead of waiting for the batch interval."""
    from sqlalchemy import select

    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import Campaign, utcnow
    from pledge.services.batches import LAUNCHED_STATES, publish_batch, publishable

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as the Flask app
    if app.config["PLEDGE_ENV"] != "development":
        raise click.ClickException("publish-now is for development only; production publishes on the batch interval")
    with write_intent():
        query = select(Campaign).where(Campaign.state.in_(LAUNCHED_STATES))
        if slug:
            query = query.where(Campaign.slug == slug)
        now = utcnow()
        # A batch that would carry the deadline event before the deadline waits for the tick.
        done = [publish_batch(db.session(), campaign, now, app.config["LOG_KEY_SECRET"])
                for campaign in db.session.scalars(query) if publishable(db.session(), campaign, now)]
        db.session.commit()
    for batch in done:
        frozen = f"; reveal round {batch.round_frozen.number} frozen" if batch.round_frozen else ""
        events = f"; events: {', '.join(batch.events)}" if batch.events else ""
        click.echo(f"{batch.campaign.slug}: batch {batch.batch} published "
                   f"({batch.entries} new, {batch.withdrawals} withdrawn){frozen}{events}")
    _send_trustee_mail(app, done)
    if done:
        # As make run's tick loop does after every tick: the demo trustees witness the new heads
        # at once, so a record exported right after this shows them cosigned.
        from pledge.services.demo_witness import witness_demo_campaigns

        with write_intent():
            lines = witness_demo_campaigns(db.session(), Path(app.instance_path) / "demo-trustees", utcnow())
            db.session.commit()
        for line in lines:
            click.echo(f"[witness] {line}")
