"""Expiry (DESIGN §2): at the deadline below the threshold, nothing is ever revealed.

``tick`` marks the campaign expired, deletes every ciphertext and every issuance record, and asks
the trustees to destroy their shares and confirm it. Only the final counts and the log's hashes
remain on the page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto.errors import CryptoError
from crypto.formats import files
from crypto.formats.errors import Refusal
from crypto.formats.messages import destroy_message, verify
from pledge.models import Campaign, CampaignState, DestroyConfirmation, Entry, TokenIssuance, Trustee
from pledge.services.ceremony import CeremonyError, parse_upload, registered_ed25519
from pledge.services.log import latest_head


def expire_due(session: Session, now: datetime) -> list[Campaign]:
    """Expire every open campaign whose deadline passed below the threshold, once its last batch
    (covering the deadline) is published."""
    expired = []
    for campaign in session.scalars(select(Campaign).where(Campaign.state == CampaignState.OPEN, Campaign.deadline <= now)):
        if campaign.threshold_met_at is not None:
            continue
        head = latest_head(session, campaign)
        if head is not None and head.timestamp < int(campaign.deadline.timestamp()) - campaign.batch_interval_seconds:
            continue  # the batch that covers the deadline is not out yet
        campaign.state = CampaignState.EXPIRED
        session.execute(update(Entry).where(Entry.campaign_id == campaign.id).values(ciphertext=None))
        session.execute(delete(TokenIssuance).where(TokenIssuance.campaign_id == campaign.id))
        expired.append(campaign)
    session.flush()
    return expired


def confirm_destroyed(session: Session, campaign: Campaign, trustee: Trustee, data: bytes, now: datetime) -> None:
    """Record a trustee's signed destroy confirmation."""
    if campaign.state != CampaignState.EXPIRED:
        raise CeremonyError("Only an expired campaign's shares are destroyed.")
    if session.get(DestroyConfirmation, (campaign.id, trustee.seat)) is not None:
        raise CeremonyError("Your confirmation is already recorded.")
    try:
        statement = files.parse_signed_statement(parse_upload(data, {"destroy-confirmation"}), "destroy-confirmation")
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if statement.ctx != campaign.ctx or statement.index != trustee.seat:
        raise CeremonyError("This confirmation is not yours for this campaign (ctx or trustee index differ).")
    try:
        verify(registered_ed25519(trustee), destroy_message(campaign.ctx, trustee.seat), statement.signature)
    except CryptoError:
        raise CeremonyError("The confirmation's signature does not verify under your registered Ed25519 key.") from None
    session.add(DestroyConfirmation(campaign_id=campaign.id, seat=trustee.seat, signature=statement.signature, received_at=now))
    session.flush()
