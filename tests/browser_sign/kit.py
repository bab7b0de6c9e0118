"""What the sign-page tests share besides fixtures: a launched campaign with its fake trustees,
opening its one entry as trustees would, and the public count."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from crypto import reveal
from crypto.group import scalarmult_base
from pledge.extensions import db
from pledge.models import Entry


@dataclass
class Launched:
    """A launched campaign and the fake trustees (with their shares) who launched it."""

    campaign: object
    people: list
    seats: list


def decrypt_entry(launched: Launched) -> dict:
    """The campaign's one entry opened as trustees would: partial decryptions by two of the fake
    trustees (checked), combined; returns the payload as JSON."""
    db.session.rollback()
    entry = db.session.scalar(select(Entry).where(Entry.campaign_id == launched.campaign.id))
    ad = launched.campaign.ctx + entry.nullifier
    partials = {}
    for person, seat in list(zip(launched.people, launched.seats))[:2]:
        y_j = scalarmult_base(person.share)
        partial = reveal.partial_decrypt(seat.seat, person.share, y_j, entry.r_point, ad)
        partials[seat.seat] = reveal.verify_partial(seat.seat, y_j, entry.r_point, ad, partial)
    return json.loads(reveal.decrypt(launched.campaign.group_key, ad, entry.ciphertext, partials))


def public_total(client, slug: str) -> int:
    """The overall count the public sees (``GET /api/campaigns/<slug>``)."""
    return client.get(f"/api/campaigns/{slug}").get_json()["total"]
