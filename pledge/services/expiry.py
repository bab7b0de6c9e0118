"""Expiry and destroyed shares (docs/protocol.md §8).

At the deadline below the threshold, nothing is ever revealed: the batch that covers the deadline
appends the ``expired`` event, deletes every ciphertext and issuance record
(:mod:`pledge.services.batches`), and the tick asks the trustees to destroy their shares. Each
trustee's signed confirmation becomes a ``share-destroyed`` event in the next batch, after the
campaign expired, closed or was taken down. The entries' openings are kept, sealed, until every trustee has
confirmed or the reveal window has passed since the expiry (the trustees check the expiry against
them first), then deleted by the tick (:func:`pledge.services.batches.destroy_expired_openings`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crypto import log_leaves
from crypto.errors import CryptoError
from crypto.formats import files
from crypto.formats.errors import Refusal
from crypto.formats.messages import destroy_message, verify
from pledge.models import Campaign, CampaignState, DestroyConfirmation, PendingEvent, Trustee
from pledge.services.ceremony import CeremonyError, parse_upload, registered_ed25519


def confirm_destroyed(session: Session, campaign: Campaign, trustee: Trustee, data: bytes, now: datetime) -> None:
    """Record a trustee's signed destroy confirmation; the next batch publishes it as a
    ``share-destroyed`` event."""
    if campaign.state not in (CampaignState.EXPIRED, CampaignState.CLOSED, CampaignState.TAKEN_DOWN) \
            or campaign.launched_at is None:
        raise CeremonyError("Shares are destroyed only once the campaign has expired, closed or been taken down.")
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
    event = log_leaves.EventLeaf("share-destroyed", trustee=trustee.seat, signature=statement.signature)
    session.add(PendingEvent(campaign_id=campaign.id, leaf=log_leaves.encode_leaf(event), created_at=now))
    session.flush()
