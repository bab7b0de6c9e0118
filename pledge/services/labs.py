"""The lab registry: labs, their email domains, and the trail of every change to them.

A lab's slug is part of every token message, so it is chosen once and never changes; its name
and domains may. A campaign copies its labs' names and domains into its manifest when it is
frozen, and verification for that campaign follows the manifest from then on
(:mod:`pledge.services.affiliation`): a change here reaches only campaigns frozen after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.models import Lab, LabChange, LabDomain, User, utcnow
from pledge.services.errors import NotFound, ServiceError

#: Lower-case letters, digits and hyphens, 2 to 64 characters, starting and ending with a letter or digit.
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])$")
MAX_NAME = 200
MAX_DOMAINS = 100

#: Where a change was made (``LabChange.source``).
ADMIN_PAGE = "admin page"
COMMAND_LINE = "command line"
DEMO_SEED = "demo seed"


class LabError(ServiceError):
    """A lab cannot be added or changed as asked; nothing was changed."""


def normalize_domain(domain: str) -> str:
    """Lower-case, IDNA-encode and check a domain name."""
    cleaned = domain.strip().rstrip(".").lower()
    try:
        ascii_domain = cleaned.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise LabError(f"{domain!r} is not a valid domain name.", field="domains") from exc
    labels = ascii_domain.split(".")
    if (len(labels) < 2 or any(not label or len(label) > 63 for label in labels) or len(ascii_domain) > 253
            or not all(re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", label) for label in labels)):
        raise LabError(f"{domain!r} is not a valid domain name.", field="domains")
    return ascii_domain


def split_domains(text: str) -> list[str]:
    """The domains written one a line or separated by commas (or spaces), as typed."""
    return [part for part in re.split(r"[\s,]+", text) if part]


def normalize_domains(domains: Iterable[str]) -> list[str]:
    """Every domain checked and normalised, without repeats, sorted; at least one."""
    wanted = sorted({normalize_domain(d) for d in domains})
    if not wanted:
        raise LabError("Give the lab at least one email domain.", field="domains")
    if len(wanted) > MAX_DOMAINS:
        raise LabError(f"A lab may have at most {MAX_DOMAINS} domains.", field="domains")
    return wanted


def check_slug(slug: str) -> str:
    """The slug, if it is 2 to 64 lower-case letters, digits and hyphens (no hyphen at either end)."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise LabError(
            f"{slug!r} is not a valid lab slug: use 2 to 64 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit.", field="slug")
    return slug


def check_name(name: str) -> str:
    """The name, trimmed, if it is between 1 and 200 characters."""
    cleaned = " ".join(name.split()) if isinstance(name, str) else ""
    if not cleaned:
        raise LabError("Give the lab a name.", field="name")
    if len(cleaned) > MAX_NAME:
        raise LabError(f"A lab's name may have at most {MAX_NAME} characters.", field="name")
    return cleaned


def lab_by_slug(session: Session, slug: str) -> Lab:
    """The lab with this slug, or :class:`NotFound`."""
    lab = session.scalar(select(Lab).where(Lab.slug == slug))
    if lab is None:
        raise NotFound(f"There is no lab with the slug {slug!r}.")
    return lab


def _check_owners(session: Session, lab: Lab | None, domains: list[str]) -> None:
    for domain in domains:
        owner = session.scalar(select(LabDomain).where(LabDomain.domain == domain))
        if owner is not None and owner.lab is not lab:
            raise LabError(f"{domain} already belongs to {owner.lab.name}.", field="domains")


def _record(session: Session, lab: Lab, change: dict, *, actor: User | None, source: str, now: datetime) -> LabChange:
    row = LabChange(lab_id=lab.id, at=now, actor_id=actor.id if actor is not None else None, source=source,
                    change=json.dumps(change, sort_keys=True, separators=(",", ":")))
    session.add(row)
    session.flush()
    return row


def _apply(session: Session, lab: Lab, name: str, wanted: list[str]) -> dict:
    """Give the lab this name and these domains; what changed (empty when nothing did)."""
    before = lab.domain_names
    change: dict = {}
    if lab.name != name:
        change["name"] = [lab.name, name]
        lab.name = name
    added = [d for d in wanted if d not in before]
    removed = [d for d in before if d not in wanted]
    if removed:
        lab.domains = [d for d in lab.domains if d.domain in wanted]
        # The removed rows go first: a domain may move to another lab in the same unit of work.
        session.flush()
    if added:
        lab.domains = list(lab.domains) + [LabDomain(domain=d) for d in added]
    if added:
        change["added"] = added
    if removed:
        change["removed"] = removed
    session.flush()
    return change


def add_lab(session: Session, *, slug: str, name: str, domains: Iterable[str], actor: User | None, source: str,
            now: datetime) -> Lab:
    """Register a new lab with its domains; recorded in the lab's history."""
    slug = check_slug(slug.strip() if isinstance(slug, str) else slug)
    name = check_name(name)
    wanted = normalize_domains(domains)
    if session.scalar(select(Lab).where(Lab.slug == slug)) is not None:
        raise LabError(f"There is already a lab with the slug {slug!r}.", field="slug")
    _check_owners(session, None, wanted)
    lab = Lab(slug=slug, name=name)
    session.add(lab)
    session.flush()
    lab.domains = [LabDomain(domain=d) for d in wanted]
    session.flush()
    _record(session, lab, {"added": wanted, "created": True, "name": [None, name]}, actor=actor, source=source,
            now=now)
    return lab


def edit_lab(session: Session, lab: Lab, *, name: str | None = None, domains: Iterable[str] | None = None,
             actor: User | None, source: str, now: datetime) -> LabChange:
    """Change a lab's name and/or replace its domains (its slug never changes); recorded in its
    history. Refused, changing nothing, when nothing would change."""
    new_name = check_name(name) if name is not None else lab.name
    wanted = normalize_domains(domains) if domains is not None else lab.domain_names
    _check_owners(session, lab, wanted)
    change = _apply(session, lab, new_name, wanted)
    if not change:
        raise LabError(f"Nothing to change: {lab.name} already has this name and these domains.")
    return _record(session, lab, change, actor=actor, source=source, now=now)


def upsert_lab(session: Session, *, slug: str, name: str, domains: Iterable[str], source: str = DEMO_SEED,
               now: datetime | None = None) -> Lab:
    """Create the lab or bring its name and domains up to date (the demo seed). Slugs never
    change. A change is recorded in the lab's history; an unchanged lab records nothing."""
    now = now or utcnow()
    lab = session.scalar(select(Lab).where(Lab.slug == slug))
    if lab is None:
        return add_lab(session, slug=slug, name=name, domains=domains, actor=None, source=source, now=now)
    wanted = normalize_domains(domains)
    _check_owners(session, lab, wanted)
    change = _apply(session, lab, check_name(name), wanted)
    if change:
        _record(session, lab, change, actor=None, source=source, now=now)
    return lab


@dataclass(frozen=True)
class ChangeView:
    """One row of a lab's history, as a page or the command line shows it."""

    at: datetime
    who: str
    created: bool
    name_before: str | None
    name_after: str | None
    added: list[str]
    removed: list[str]


def history(session: Session, lab: Lab) -> list[ChangeView]:
    """The lab's changes, newest first."""
    rows = session.scalars(select(LabChange).where(LabChange.lab_id == lab.id)
                           .order_by(LabChange.at.desc(), LabChange.id.desc()))
    views = []
    for row in rows:
        change = json.loads(row.change)
        actor = session.get(User, row.actor_id) if row.actor_id is not None else None
        who = actor.name if actor is not None else row.source
        name = change.get("name") or [None, None]
        views.append(ChangeView(at=row.at, who=who, created=bool(change.get("created")), name_before=name[0],
                                name_after=name[1], added=list(change.get("added", [])),
                                removed=list(change.get("removed", []))))
    return views
