"""``flask --app pledge lab ...``: the lab registry from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import utcnow
from pledge.services import labs as lab_service
from pledge.services.campaigns import all_labs
from pledge.services.errors import ServiceError


@click.group("lab")
def lab_group() -> None:
    """The lab registry: labs and the email domains that prove affiliation."""


def _domains(values: tuple[str, ...]) -> list[str]:
    """Each ``--domain`` may hold several, separated by commas."""
    return [domain for value in values for domain in lab_service.split_domains(value)]


@lab_group.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The lab's name, as signers and the public read it.")
@click.option("--domain", "domains", required=True, multiple=True,
              help="An email domain of the lab (repeat for each, or separate them with commas).")
@with_appcontext
def add_command(slug: str, name: str, domains: tuple[str, ...]) -> None:
    """Add a lab. SLUG (lower-case letters, digits and hyphens) is part of every token and never changes."""
    with write_intent():
        try:
            lab = lab_service.add_lab(db.session(), slug=slug, name=name, domains=_domains(domains), actor=None,
                                      source=lab_service.COMMAND_LINE, now=utcnow())
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(f"Added {lab.name} ({lab.slug}): {', '.join(lab.domain_names)}.")


@lab_group.command("edit")
@click.argument("slug")
@click.option("--name", help="The lab's new name.")
@click.option("--domain", "domains", multiple=True,
              help="An email domain of the lab; when given, the lab's domains become exactly these (repeat for each).")
@with_appcontext
def edit_command(slug: str, name: str | None, domains: tuple[str, ...]) -> None:
    """Change a lab's name or replace its domains. Campaigns already frozen keep their manifest's."""
    if name is None and not domains:
        raise click.UsageError("Give --name, or one --domain or more.")
    with write_intent():
        try:
            lab = lab_service.lab_by_slug(db.session(), slug)
            lab_service.edit_lab(db.session(), lab, name=name, domains=_domains(domains) if domains else None,
                                 actor=None, source=lab_service.COMMAND_LINE, now=utcnow())
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(f"Saved {lab.name} ({lab.slug}): {', '.join(lab.domain_names)}.")


@lab_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every lab: slug, name and domains, one lab a line, separated by tabs."""
    labs = all_labs(db.session())
    if not labs:
        click.echo("No labs yet. Add one with: flask --app pledge lab add SLUG --name NAME --domain DOMAIN", err=True)
        return
    for lab in labs:
        click.echo(f"{lab.slug}\t{lab.name}\t{', '.join(lab.domain_names)}")
