"""Test shortcut for the site admin's approval, for tests about what comes after it."""

from __future__ import annotations

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, utcnow
from pledge.services import review


def approve(campaign_id: int) -> None:
    """Submit and approve the draft ``campaign_id`` as a site admin would (inside an app context)."""
    db.session.commit()  # end any read transaction first: a write cannot upgrade it under a live server
    with write_intent():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign is not None
        if campaign.submitted_at is None:
            review.submit(db.session, campaign, utcnow())
        if campaign.approved_at is None:
            review.approve(db.session, campaign, None, utcnow())
        db.session.commit()
