"""The files the trustees check before they act (docs/trustee-files.md): the round package
(``pledge-trustee decrypt``) and, at an expiry, the openings package (``pledge-trustee destroy``).

Both carry openings, which are never public before their entry's reveal: they are served only
to the campaign's trustees (:mod:`pledge.trustee.views`), who check what the public cannot see
(docs/protocol.md §8): every opening, and that the round, or the expiry, is what the rule says.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.errors import EncodingError
from crypto.formats import roundfile
from crypto.hashing import canonical_json
from crypto.opening import Opening, parse_opening
from pledge.models import Campaign, CampaignState, Entry, LogLeaf, RevealRound, TreeHead, present
from pledge.services.ceremony import CeremonyError, board_file, ceremony_package
from pledge.services.log import consistency_proof


class PackageError(CeremonyError):
    """A package that cannot be served now, with the reason."""


def _tree_head(head: TreeHead) -> roundfile.TreeHead:
    return roundfile.TreeHead(head.size, head.timestamp, head.root, head.signature)


def _opening(entry: Entry) -> Opening:
    """An entry's stored opening (canonical JSON of its ``doc()``)."""
    stored = present(entry.opening, f"the opening at leaf {entry.leaf_index}")
    try:
        return parse_opening(json.loads(stored))
    except (ValueError, EncodingError) as exc:  # stored by the server after its own check
        raise PackageError(f"The stored opening at leaf {entry.leaf_index} is unreadable.") from exc


def _leaves(session: Session, campaign: Campaign, size: int) -> list[LogLeaf]:
    return list(session.scalars(select(LogLeaf).where(
        LogLeaf.campaign_id == campaign.id, LogLeaf.leaf_index < size).order_by(LogLeaf.leaf_index)))


def _round_heads(session: Session, campaign: Campaign, number: int) -> tuple[TreeHead, TreeHead | None]:
    """The head a round was cut at, and the previous round's head (if any)."""
    round_ = session.get(RevealRound, (campaign.id, number))
    if round_ is None:
        raise PackageError("There is no such round.")
    head = present(session.get(TreeHead, (campaign.id, round_.batch)), f"round {number}'s tree head")
    previous = session.get(RevealRound, (campaign.id, number - 1)) if number > 1 else None
    prior = session.get(TreeHead, (campaign.id, previous.batch)) if previous is not None else None
    return head, prior


def live_openings(session: Session, campaign: Campaign, size: int) -> dict[int, Opening]:
    """The opening of every entry live at the head of ``size`` (published, its withdrawal not
    published by then) whose opening is still kept, by leaf index."""
    rows = session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.leaf_index < size, Entry.opening.is_not(None)))
    return {present(e.leaf_index, "a logged entry's leaf index"): _opening(e) for e in rows
            if e.withdrawal_index is None or e.withdrawal_index >= size}


def round_package(session: Session, campaign: Campaign, number: int) -> bytes:
    """The file a trustee downloads to run ``pledge-trustee decrypt`` on a round: the log up to
    the head of the batch that froze the round (its ``round-frozen`` event included), a
    ciphertext for exactly the entries that event lists, and the opening of every live entry at
    that head (so the trustee checks the round per lab both ways)."""
    head, prior = _round_heads(session, campaign, number)
    ciphertexts = {e.leaf_index: e.ciphertext for e in session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.frozen_round == number))}
    leaves = [roundfile.RoundLeaf(row.leaf_index, row.leaf, ciphertexts.get(row.leaf_index))
              for row in _leaves(session, campaign, head.size)]
    proof = consistency_proof(session, campaign, prior.size, head.size) if prior is not None else []
    doc = roundfile.round_doc(
        json.loads(ceremony_package(campaign)), json.loads(board_file(session, campaign)),
        campaign.public_id.encode("ascii"), present(campaign.log_public_key, "the campaign's log key"),
        _tree_head(head), leaves, previous=_tree_head(prior) if prior is not None else None,
        consistency_proof=proof, openings=live_openings(session, campaign, head.size),
    )
    return canonical_json(doc) + b"\n"


def expiry_package(session: Session, campaign: Campaign) -> bytes:
    """The openings package of an expired campaign, for ``pledge-trustee destroy``: every signed
    head, every leaf up to the latest, and the opening of every entry, withdrawn ones included
    (kept until every trustee has confirmed or the reveal window after the expiry has passed)."""
    if campaign.state != CampaignState.EXPIRED:
        raise PackageError("The openings package is served only for an expired campaign.")
    heads = list(session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign.id)
                                 .order_by(TreeHead.batch)))
    size = heads[-1].size if heads else 0
    entries = list(session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.leaf_index < size)))
    if any(e.opening is None for e in entries):
        raise PackageError("The openings of this campaign are no longer kept.")
    doc = roundfile.expiry_doc(
        json.loads(ceremony_package(campaign)), campaign.public_id.encode("ascii"),
        present(campaign.log_public_key, "the campaign's log key"), [_tree_head(h) for h in heads],
        [row.leaf for row in _leaves(session, campaign, size)],
        {present(e.leaf_index, "a logged entry's leaf index"): _opening(e) for e in entries},
    )
    return canonical_json(doc) + b"\n"
