"""Everything the public campaign page shows, read in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pledge.models import Campaign, CampaignState, CampaignUpdate, TreeHead
from pledge.services.campaigns import public_campaign
from pledge.services.log import latest_head
from pledge.services.outcomes import AfterReveal, after_reveal, updates_of
from pledge.services.progress import Progress, campaign_progress
from pledge.services.reveal import (
    RevealedSignature,
    RoundState,
    destroy_confirmations,
    revealed_signatures,
    rounds_of,
)


@dataclass(frozen=True)
class CampaignPage:
    """A public campaign with its progress, rounds, revealed signatures, log head, destroy
    confirmations, updates, and what happened after the reveal (the names the template uses)."""

    campaign: Campaign
    progress: Progress
    signatures: dict[str, list[RevealedSignature]]
    rounds: list[RoundState]
    head: TreeHead | None
    confirmations: dict[int, datetime]
    updates: list[CampaignUpdate]
    # Condition judgements and who is withholding, from published leaves (None before the reveal).
    after_reveal: AfterReveal | None = None

    def context(self) -> dict[str, Any]:
        """The page's template variables."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def campaign_page(session: Session, slug: str, now: datetime) -> CampaignPage:
    """The page of the public campaign ``slug`` as of ``now``."""
    campaign = public_campaign(session, slug)
    rounds = rounds_of(session, campaign)
    # Signatures exist only once a round is revealed: before that, skip a query that reads every
    # entry of the campaign (ciphertexts included) on each view.
    signatures = revealed_signatures(session, campaign) if any(state.revealed for state in rounds) else {}
    return CampaignPage(
        campaign=campaign, progress=campaign_progress(campaign, now, session), signatures=signatures, rounds=rounds,
        head=latest_head(session, campaign) if campaign.group_key else None,
        # Shown once the campaign expired or closed (trustees confirm destroying their shares then).
        confirmations=destroy_confirmations(session, campaign)
        if campaign.state in (CampaignState.EXPIRED, CampaignState.CLOSED) else {},
        updates=updates_of(session, campaign), after_reveal=after_reveal(session, campaign),
    )
