"""Account, demo and tick commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from crypto.formats.counts import count
from pledge.database import compact_database, purge_deleted_rows, write_intent
from pledge.extensions import db
from pledge.models import Role, utcnow
from pledge.services.accounts import create_user, current_cost
from pledge.services.demo import seed_demo
from pledge.services.errors import ServiceError
from pledge.services.notify import send_all
from pledge.services.tick import run_tick


@click.group("user")
def user_group() -> None:
    """Manage staff accounts."""


@user_group.command("create")
@click.option("--email", required=True, help="Login email of the new account.")
@click.option("--name", required=True, help="Name shown to other staff.")
@click.option("--role", "roles", required=True, multiple=True,
              type=click.Choice([Role.ORGANIZER.value, Role.ADMIN.value]),
              help="organizer or admin (repeat for both).")
@click.password_option("--password", help="Prompted for when omitted (recommended: keeps it out of shell history).")
@with_appcontext
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an organizer or admin account."""
    with write_intent():
        try:
            user = create_user(db.session(), email=email, name=name, password=password,
                               roles=[Role(r) for r in roles], cost=current_cost())
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(f"Created {', '.join(sorted(r.value for r in user.roles))} account {user.email}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Seed the labs, a demo organizer (printing a fresh password) and the demo campaign."""
    config = current_app.config
    with write_intent():
        seed = seed_demo(
            db.session(), current_cost(), utcnow(), trustee_folder=Path(current_app.instance_path) / "demo-trustees",
            token_key_secret=config["TOKEN_KEY_SECRET"], log_key_secret=config["LOG_KEY_SECRET"],
        )
        db.session.commit()
    base = current_app.config.get("PUBLIC_URL", "")
    click.echo("Demo ready.")
    click.echo(f"  Demo campaign: {base}/campaigns/{seed.campaign_slug}" + (" (created)" if seed.created_campaign else ""))
    click.echo(f"  Organizer login: {seed.organizer_email}")
    click.echo(f"  Organizer password: {seed.organizer_password}")
    click.echo(f"  Practice campaign (3 signatures reveal): {base}/campaigns/practice-run")
    click.echo("  Demo trustees (any 2 of 3 can reveal); key files, and a share file per campaign, are in "
               + str(Path(current_app.instance_path) / "demo-trustees"))
    for trustee in seed.trustees:
        click.echo(f"    {trustee.email}  password: {trustee.password}  key: {trustee.key_file.name}  "
                   f"key passphrase: {trustee.passphrase}")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run every time-driven step that is due (batches, thresholds, expiry). Idempotent."""
    with write_intent():
        report = run_tick(db.session(), utcnow(), log_key_secret=current_app.config["LOG_KEY_SECRET"])
        db.session.commit()
    if report.published or report.deleted:
        # The files must not keep the order in which entries arrived, nor deleted ciphertexts.
        compact_database()
    else:
        purge_deleted_rows()
    if report.outgoing:
        with current_app.test_request_context(base_url=current_app.config.get("PUBLIC_URL") or "http://127.0.0.1"):
            failed = send_all(report.outgoing)
        if failed:
            click.echo(f"{count(len(failed), 'email')} could not be sent", err=True)
    click.echo(report.summary())


@click.group("campaign")
def campaign_group() -> None:
    """Campaign records."""


@campaign_group.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of standard output.")
@with_appcontext
def export_command(slug: str, output: str | None) -> None:
    """Write the campaign record (check it with ``pledge-verify``)."""
    from sqlalchemy import select

    from pledge.models import Campaign
    from pledge.services.record import campaign_record

    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign {slug!r}")
    try:
        data = campaign_record(db.session(), campaign)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    if output:
        Path(output).write_bytes(data)
        click.echo(f"Wrote the record of {slug} to {output} ({len(data):,} bytes).", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)
