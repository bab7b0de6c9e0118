"""The JSON documents of the APIs, each built in one place (docs/signing-api.md,
docs/affiliation-api.md)."""

from __future__ import annotations

import json
from datetime import datetime

from crypto import dkg
from pledge.models import Campaign, Statement, TreeHead, present
from pledge.services.affiliation import Issued, Ticket
from pledge.services.ceremony import Board
from pledge.services.errors import ServiceError
from pledge.services.progress import LabProgress, Progress
from pledge.services.signing import Receipt, ReceiptStatus

WITHDRAWN_MESSAGE = ("Withdrawn. Your sealed signature is deleted and will never be decrypted; the withdrawal is "
                     "published with the next batch, and the count drops then.")


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def progress(campaign: Campaign, progress: Progress) -> dict:
    """``GET /api/campaigns/<slug>``: the same figures as the campaign page."""
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "state": campaign.state.value,
        "deadline": _iso(campaign.deadline),
        "accepting_signatures": progress.accepting,
        "rule": progress.rule.as_document(),
        "k": progress.rule.suppress_below,
        "counts_as_of": _iso(progress.counts_as_of),
        "total": progress.total,
        "labs_meeting_minimum": progress.labs_meeting,
        "rule_met": progress.rule_met,
        # Before round 1 is revealed, per lab only whether it reached min_per_lab; after, per lab
        # the revealed count, and the sealed entries overall (pledge/services/progress.py).
        "round_one_revealed": progress.round_one_revealed,
        "labs": [_lab_progress(lab) for lab in progress.labs],
        **({"revealed": progress.revealed_total, "sealed": progress.sealed} if progress.round_one_revealed else {}),
        "trustees": {"t": campaign.trustee_quorum, "n": campaign.trustee_count},
    }


def _lab_progress(lab: LabProgress) -> dict:
    if lab.revealed is not None:
        return {"slug": lab.slug, "name": lab.name, "revealed": lab.revealed}
    return {"slug": lab.slug, "name": lab.name, "reached": lab.reached}


def manifest(campaign: Campaign) -> dict:
    """``GET …/manifest``: the frozen manifest and its ctx."""
    return {"manifest": json.loads(present(campaign.manifest, "the frozen manifest")),
            "ctx": present(campaign.ctx, "the frozen ctx").hex()}


def board(campaign: Campaign, posted: Board) -> dict:
    """``GET …/board``: the ceremony's public board."""
    return {
        "ctx": present(campaign.ctx, "the frozen ctx").hex(), "t": campaign.trustee_quorum, "n": campaign.trustee_count,
        "deals": [dkg.deal_to_dict(posted.deals[i]) for i in sorted(posted.deals)],
        "transcript_signatures": [
            {"index": seat, "transcript": row.transcript.hex(), "signature": row.signature.hex()}
            for seat, row in sorted(posted.signatures.items())
        ],
        "Y": present(campaign.group_key, "a launched campaign's group key").hex(),
    }


def head(campaign: Campaign, head: TreeHead) -> dict:
    """A signed tree head (``GET …/log/head``, and inside a receipt's proof)."""
    return {
        "log_id": campaign.public_id.encode("ascii").hex(),
        "log_public_key": present(campaign.log_public_key, "a launched campaign's log key").hex(),
        "batch": head.batch, "size": head.size, "timestamp": head.timestamp, "root": head.root.hex(),
        "signature": head.signature.hex(),
    }


def receipt(receipt: Receipt) -> dict:
    """``POST …/entries``: what the signer keeps."""
    return {"receipt": {"campaign": receipt.campaign, "slug": receipt.slug,
                        "leaf_hash": receipt.leaf_hash.hex(), "nullifier": receipt.nullifier.hex()}}


def receipt_status(status: ReceiptStatus) -> dict:
    """``GET …/receipts/<leaf_hash>``: pending, or the inclusion proof against the latest head."""
    if status.head is None:
        return {"status": "pending"}
    document = {"status": status.status, "index": status.index, "head": head(status.campaign, status.head),
                "proof": [node.hex() for node in status.proof]}
    if status.withdrawal_index is not None:
        document["withdrawal_index"] = status.withdrawal_index
    return document


def withdrawn() -> dict:
    """``POST …/withdrawals``: accepted."""
    return {"status": "withdrawn", "message": WITHDRAWN_MESSAGE}


def statement_accepted(row: Statement) -> dict:
    """``POST …/statements``: accepted, published with the next batch."""
    return {"accepted": True, "stance": row.stance, "seq": row.seq, "published": False}


def statement_refused(error: ServiceError) -> dict:
    """A refused statement, like every other API refusal."""
    return {"error": error.code, "message": error.message}


def withholding(campaign: Campaign, counts: dict[str, int]) -> dict:
    """Per lab slug, the revealed signers withholding now (published statements only)."""
    return {"withholding": {link.lab.slug: counts.get(link.lab.slug, 0) for link in campaign.lab_links}}


def ticket(ticket: Ticket) -> dict:
    """``POST /api/verify/check``: the ticket and the campaigns it covers."""
    return {
        "ticket": ticket.secret,
        "lab": {"slug": ticket.lab.slug, "name": ticket.lab.name},
        "campaigns": [
            {"id": c.public_id, "slug": c.slug, "title": c.title, "manifest_url": f"/api/campaigns/{c.slug}/manifest"}
            for c in ticket.campaigns
        ],
    }


def issued(issued: Issued) -> dict:
    """``POST /api/verify/issue``: the blind signatures, and campaigns issued before."""
    return {
        "signatures": [{"campaign": cid, "blind_signature": sig.hex()} for cid, sig in issued.signatures.items()],
        "already_issued": issued.already_issued,
    }
