"""Labs and their email domains."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.models import Lab, LabDomain
from pledge.services.errors import ServiceError


def normalize_domain(domain: str) -> str:
    """Lower-case, IDNA-encode and check a domain name."""
    cleaned = domain.strip().rstrip(".").lower()
    try:
        ascii_domain = cleaned.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ServiceError(f"{domain!r} is not a valid domain name.", field="domains") from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or any(not label or len(label) > 63 for label in labels) or len(ascii_domain) > 253:
        raise ServiceError(f"{domain!r} is not a valid domain name.", field="domains")
    return ascii_domain


def upsert_lab(session: Session, *, slug: str, name: str, domains: Iterable[str]) -> Lab:
    """Create the lab or bring its name and domains up to date. Slugs never change."""
    lab = session.scalar(select(Lab).where(Lab.slug == slug))
    if lab is None:
        lab = Lab(slug=slug, name=name)
        session.add(lab)
    lab.name = name
    wanted = sorted({normalize_domain(d) for d in domains})
    for domain in wanted:
        owner = session.scalar(select(LabDomain).where(LabDomain.domain == domain))
        if owner is not None and owner.lab is not lab:
            raise ServiceError(f"{domain} already belongs to {owner.lab.name}.", field="domains")
    lab.domains = [d for d in lab.domains if d.domain in wanted] + [
        LabDomain(domain=d) for d in wanted if d not in lab.domain_names
    ]
    session.flush()
    return lab
