"""The periodic, idempotent step behind ``flask --app pledge tick`` (docs/protocol.md §8).

Batch publication, threshold detection, expiry and notifications live here; each step must be
safe when several tick processes run at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crypto.formats.counts import count
from pledge.database import changed_rows
from pledge.links import public_url
from pledge.models import VerificationCode
from pledge.ratelimit import purge_expired
from pledge.services import round_mail
from pledge.services.batches import destroy_due_openings, publish_due
from pledge.services.notify import Outgoing

#: Verification code rows (keyed tags, never addresses) are kept this long after they expire,
#: for the per-address send cap, then deleted.
CODE_RETENTION = timedelta(days=1)


@dataclass
class TickReport:
    """What one tick did, for the command's output and for tests."""

    ran_at: datetime
    actions: list[str] = field(default_factory=list)
    # Emails to send once the tick's transaction has committed.
    outgoing: list[Outgoing] = field(default_factory=list)
    # Whether any batch was published (the CLI then compacts the database file).
    published: bool = False
    # Whether ciphertexts were deleted by expiry (the CLI compacts then too).
    deleted: bool = False

    def summary(self) -> str:
        """One line for the log."""
        done = "; ".join(self.actions) if self.actions else "nothing due"
        return f"tick at {self.ran_at:%Y-%m-%d %H:%M:%S}Z: {done}"


def purge_codes(session: Session, now: datetime) -> int:
    """Delete verification codes that expired more than a day ago."""
    return changed_rows(session, delete(VerificationCode).where(VerificationCode.expires_at < now - CODE_RETENTION)) or 0


def run_tick(session: Session, now: datetime, *, log_key_secret: bytes) -> TickReport:
    """Run every time-driven step that is due at ``now``. Each step is idempotent."""
    report = TickReport(ran_at=now)
    for batch in publish_due(session, now, log_key_secret):
        report.published = True
        events = f"; events: {', '.join(batch.events)}" if batch.events else ""
        report.actions.append(
            f"{batch.campaign.slug}: batch {batch.batch} published ({batch.entries} new, {batch.withdrawals} withdrawn){events}"
        )
        if batch.round_frozen is not None:
            report.actions.append(f"{batch.campaign.slug}: reveal round {batch.round_frozen.number} frozen")
            report.outgoing.extend(
                Outgoing(to=trustee.email, subject="Pledge: a reveal round is ready for you", template="reveal_round",
                         context={"campaign": batch.campaign, "trustee": trustee, "round": batch.round_frozen,
                                  "link": public_url("trustee.dashboard"),
                                  "window_ends": round_mail.window_end(session, batch.campaign, batch.round_frozen)})
                for trustee in batch.campaign.trustees
            )
        if batch.expired:
            report.deleted = True
            report.actions.append(
                f"{batch.campaign.slug}: expired below its threshold; ciphertexts and issuance records deleted "
                "(openings kept until the trustees have checked the expiry)")
            report.outgoing.extend(
                Outgoing(to=trustee.email, subject="Pledge: please destroy your share", template="destroy_share",
                         context={"campaign": batch.campaign, "trustee": trustee, "link": public_url("trustee.dashboard")})
                for trustee in batch.campaign.trustees
            )
        if batch.taken_down:
            report.deleted = True
            report.actions.append(f"{batch.campaign.slug}: the taken-down event is published")
        if "round-abandoned" in batch.events:
            report.deleted = True
            report.actions.append(
                f"{batch.campaign.slug}: a round was not revealed in time; its ciphertexts and openings are deleted")
            report.outgoing.extend(round_mail.abandoned(session, batch.campaign, batch.abandoned))
        if batch.closed:
            report.actions.append(f"{batch.campaign.slug}: closed; every round is revealed or abandoned and issuance "
                                  "records are deleted")
            if "round-abandoned" not in batch.events:  # that mail already asks for the shares
                report.outgoing.extend(round_mail.closed(batch.campaign))
    for campaign in destroy_due_openings(session, now):
        report.deleted = True
        report.actions.append(f"{campaign.slug}: the openings kept for the trustees' check of the expiry are deleted")
    purged = purge_codes(session, now)
    if purged:
        report.actions.append(f"purged {count(purged, 'expired verification code')}")
    # Ended rate-limit windows, IP-keyed ones included: no bucket outlives its window by more
    # than one tick interval.
    windows = purge_expired(session, int(now.timestamp()))
    if windows:
        report.actions.append(f"purged {count(windows, 'ended rate-limit window')}")
    return report
