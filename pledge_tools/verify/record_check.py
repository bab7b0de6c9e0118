"""``pledge-verify``'s checks of a campaign record before its rounds: the manifest, the key
ceremony, the log, the published counts, the threshold rule and the outcome (docs/record.md,
checks 1 to 6 and 8). Each failure is a :class:`~crypto.formats.errors.CheckFailed` naming the
part at fault; the log is read with the same leaf checks as ``pledge-trustee decrypt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crypto import dkg, log_leaves, merkle
from crypto.errors import CryptoError, InvalidDeal
from crypto.formats import messages
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.files import Rule, manifest_ctx
from crypto.formats.record import PENDING, REVEALED, PublicDeal, Record, SignedHead
from crypto.round_check import LogState, checked_leaves

DEADLINE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class LogFacts:
    """What the leaves say, for the later checks."""

    entries: dict[int, log_leaves.EntryLeaf] = field(default_factory=dict)  # by leaf index
    withdrawn_at: dict[int, int] = field(default_factory=dict)  # entry index -> withdrawal index
    live_at: dict[int, dict[str, int]] = field(default_factory=dict)  # head size -> lab counts
    withdrawals: int = 0


# --- 1. manifest ----------------------------------------------------------------------------


def check_manifest(record: Record) -> int:
    """``ctx`` is the manifest's hash; returns the deadline as Unix seconds."""
    try:
        computed = manifest_ctx(record.manifest.raw)
    except CryptoError as exc:
        raise FormatError("manifest: it cannot be encoded as canonical JSON") from exc
    if computed != record.ctx:
        raise CheckFailed("ctx does not match the manifest: "
                          "H(\"manifest\", canonical_json(manifest); n=32) differs")
    deadline = record.manifest.raw.get("deadline")
    try:
        moment = datetime.strptime(str(deadline), DEADLINE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise FormatError("manifest: field deadline must be YYYY-MM-DDTHH:MM:SSZ") from None
    return int(moment.timestamp())


# --- 2. key ceremony ------------------------------------------------------------------------


def _as_dkg_deal(deal: PublicDeal, n: int) -> dkg.Deal:
    # The record leaves the encrypted shares out (docs/record.md); check_deal_public checks only
    # their number and length, so stand-ins of the right size let it make every other check.
    stand_in = bytes(dkg.ENCRYPTED_SHARE_BYTES)
    return dkg.Deal(deal.dealer, deal.commitments, deal.pop_r, deal.pop_z,
                    dict.fromkeys(range(1, n + 1), stand_in), deal.signature)


def _check_deals(record: Record) -> dict[int, tuple[bytes, ...]]:
    m = record.manifest
    if [d.dealer for d in record.deals] != list(range(1, m.n + 1)):
        raise CheckFailed(f"dkg: the record must hold one deal per trustee, by dealer 1..{m.n}")
    for deal in record.deals:
        try:
            dkg.check_deal_public(record.ctx, m.t, m.n, _as_dkg_deal(deal, m.n),
                                  m.trustees[deal.dealer].ed25519)
        except InvalidDeal as exc:
            raise CheckFailed(f"dkg: trustee {deal.dealer}'s deal fails its public check "
                              f"({exc.reason.value})") from None
    return {deal.dealer: deal.commitments for deal in record.deals}


def _check_transcript_signatures(record: Record, transcript: bytes) -> None:
    for j, trustee in sorted(record.manifest.trustees.items()):
        if j not in record.transcript_signatures:
            raise CheckFailed(f"dkg: trustee {j} has no transcript signature")
        signed, signature = record.transcript_signatures[j]
        if signed != transcript:
            raise CheckFailed(f"dkg: trustee {j} signed another transcript than the deals give")
        try:
            messages.verify(trustee.ed25519, messages.transcript_message(record.ctx, j, transcript),
                           signature)
        except CryptoError:
            raise CheckFailed(f"dkg: trustee {j}'s transcript signature does not verify under "
                              "its key in the manifest") from None


def check_dkg(record: Record) -> bytes:
    """Every deal, the transcript and its n signatures, ``Y`` and every ``Y_j``; returns the
    transcript."""
    commitments = _check_deals(record)
    transcript = dkg.transcript(record.ctx, commitments)
    _check_transcript_signatures(record, transcript)
    try:
        Y, computed = dkg.group_key(commitments), dkg.verification_keys(commitments)
    except CryptoError:
        raise CheckFailed("dkg: the deals' commitments add up to an invalid Y or Y_j") from None
    if record.Y != Y:
        raise CheckFailed("dkg: Y is not the sum of the trustees' first commitments")
    if set(record.verification_keys) != set(computed):
        raise CheckFailed(f"dkg: verification_keys must list Y_1..Y_{record.manifest.n}")
    for j, key in computed.items():
        if record.verification_keys[j] != key:
            raise CheckFailed(f"dkg: Y_{j} is not the one the deals' commitments give")
    return transcript


# --- 3. leaves ------------------------------------------------------------------------------


def check_leaves(record: Record, *, jobs: int | None = None) -> LogFacts:
    """The log's id, then every leaf in order (tokens, nullifiers, withdrawals); counts the live
    entries per lab at every head's size. Tokens are checked by worker processes (``jobs``,
    see :mod:`crypto.parallel`)."""
    if record.log_id != record.manifest.campaign_id.encode("ascii"):
        raise CheckFailed("log: id is not the ASCII of the manifest's id")
    campaign_id = record.log_id
    sizes = {head.size for head in record.heads} | {0}
    state, facts, live = LogState(), LogFacts(), dict.fromkeys(record.manifest.token_keys, 0)
    for i, leaf in checked_leaves(record.leaves, record.manifest, campaign_id, state, jobs=jobs):
        if i in sizes:
            facts.live_at[i] = dict(live)
        if isinstance(leaf, log_leaves.EntryLeaf):
            facts.entries[i] = leaf
            live[leaf.lab] += 1
        else:
            k, entry = state.entries[leaf.nullifier]
            facts.withdrawn_at[k] = i
            facts.withdrawals += 1
            live[entry.lab] -= 1
    facts.live_at[len(record.leaves)] = dict(live)
    return facts


# --- 4. signed heads ------------------------------------------------------------------------


def _head_name(head: SignedHead) -> str:
    return f"head of batch {head.batch} (size {head.size})"


def _check_head_order(previous: SignedHead | None, head: SignedHead, position: int) -> None:
    if head.batch != position:
        raise CheckFailed(f"log: heads[{position - 1}] is batch {head.batch}; heads must be "
                          f"every batch's head, numbered 1, 2, 3, ...")
    if previous is not None and head.size < previous.size:
        raise CheckFailed(f"log: {_head_name(head)} is smaller than the head before it")
    if previous is not None and head.timestamp <= previous.timestamp:
        raise CheckFailed(f"log: {_head_name(head)} is not later than the head before it")


def check_heads(record: Record) -> None:
    """Every signed head: numbering and order, signature, and root over its prefix of leaves;
    the latest covers every leaf."""
    tree = merkle.MerkleTree.from_leaves(record.leaves)
    previous = None
    for position, head in enumerate(record.heads, start=1):
        _check_head_order(previous, head, position)
        try:
            merkle.verify_tree_head(record.log_public_key, record.log_id, head.size,
                                    head.timestamp, head.root, head.signature)
        except CryptoError:
            raise CheckFailed(f"log: the signature of the {_head_name(head)} does not verify "
                              "under the log's public key") from None
        if head.size > tree.size:
            raise CheckFailed(f"log: the {_head_name(head)} covers more leaves than the record "
                              f"holds ({tree.size})")
        if tree.root(head.size) != head.root:
            raise CheckFailed(f"log: the Merkle root of leaves 0..{head.size - 1} does not "
                              f"match the signed root of the {_head_name(head)}")
        previous = head
    latest = record.heads[-1].size if record.heads else 0
    if latest != tree.size:
        raise CheckFailed(f"log: the record holds {tree.size} leaves but the latest signed head "
                          f"covers {latest}")


# --- 5. published counts --------------------------------------------------------------------


def check_counts(record: Record, facts: LogFacts) -> None:
    """The published per-lab counts are the live entries at the latest head."""
    latest = record.heads[-1].size if record.heads else 0
    if record.counts_head_size != latest:
        raise CheckFailed(f"counts: published for a head of size {record.counts_head_size}, "
                          f"but the latest head has size {latest}")
    live = facts.live_at[latest]
    if set(record.published_counts) != set(live):
        raise CheckFailed("counts: the published counts must list exactly the manifest's labs")
    for lab, count in sorted(live.items()):
        if record.published_counts[lab] != count:
            raise CheckFailed(f"counts: lab {lab} is published as {record.published_counts[lab]} "
                              f"but {count} entries of it are live at the head of size {latest}")


# --- 6. threshold rule and rounds' heads ----------------------------------------------------


def rule_holds(rule: Rule, live: Mapping[str, int]) -> bool:
    """The threshold rule over live counts per lab (as the web app applies it)."""
    labs = sum(1 for c in live.values() if rule.min_per_lab >= 1 and c >= rule.min_per_lab)
    return sum(live.values()) >= rule.min_total and labs >= rule.min_labs


def _check_first_round(record: Record, facts: LogFacts, deadline: int) -> None:
    rule, size = record.manifest.rule, record.rounds[0].size
    if not rule_holds(rule, facts.live_at[size]):
        raise CheckFailed(f"round 1: the threshold rule does not hold at its head (size {size})")
    for head in record.heads:
        if head.size == size:
            if head.timestamp >= deadline:
                raise CheckFailed(f"round 1: its {_head_name(head)} is not before the deadline")
            return
        if rule_holds(rule, facts.live_at[head.size]):
            raise CheckFailed(f"round 1: the rule already held at the {_head_name(head)}, "
                              f"before the round's head (size {size})")


def first_head_meeting_rule(record: Record, facts: LogFacts, deadline: int) -> SignedHead | None:
    """The first head signed before the deadline at which the threshold rule holds."""
    for head in record.heads:
        live = facts.live_at[head.size]
        if head.timestamp < deadline and rule_holds(record.manifest.rule, live):
            return head
    return None


def check_rounds(record: Record, facts: LogFacts, deadline: int) -> SignedHead | None:
    """Rounds are numbered 1.., freeze signed heads of growing size, only the last may still be
    pending, and round 1 froze the first head at which the rule held, before the deadline.

    Without rounds, returns the first head signed before the deadline at which the rule holds,
    if any: not a failure (a batch published late, after the deadline, carries the earlier
    batch time), but worth telling the reader.
    """
    head_sizes = {head.size for head in record.heads}
    previous = 0
    for position, rnd in enumerate(record.rounds, start=1):
        if rnd.number != position:
            raise CheckFailed(f"rounds: rounds[{position - 1}] is numbered {rnd.number}; rounds "
                              "are numbered 1, 2, 3, ...")
        if rnd.size not in head_sizes or rnd.size <= previous:
            raise CheckFailed(f"round {rnd.number}: size {rnd.size} is not a signed head's size "
                              "larger than the previous round's")
        if rnd.status == PENDING and position != len(record.rounds):
            raise CheckFailed(f"round {rnd.number} is pending but a later round exists")
        if rnd.status == PENDING and rnd.entries:
            raise CheckFailed(f"round {rnd.number} is pending but publishes entries")
        previous = rnd.size
    if not record.rounds:
        return first_head_meeting_rule(record, facts, deadline)
    _check_first_round(record, facts, deadline)
    return None


# --- 8. outcome -----------------------------------------------------------------------------


def check_outcome(record: Record) -> None:
    """The state agrees with the rounds; destroy confirmations are signed and only on expiry."""
    out, rounds = record.outcome, record.rounds
    if out.threshold_met != bool(rounds):
        raise CheckFailed("outcome: threshold_met must be true exactly when a round was frozen")
    first_revealed = bool(rounds) and rounds[0].status == REVEALED
    if out.state == "expired" and rounds:
        raise CheckFailed("outcome: an expired campaign cannot have reveal rounds")
    if out.state == "open" and first_revealed:
        raise CheckFailed("outcome: the state is open but round 1 was revealed")
    if out.state in ("revealed", "closed") and not first_revealed:
        raise CheckFailed(f"outcome: the state is {out.state} but round 1 was not revealed")
    if out.destroy_confirmations and out.state != "expired":
        raise CheckFailed("outcome: destroy confirmations belong only to an expired campaign")
    for j, signature in out.destroy_confirmations.items():
        try:
            messages.verify(record.manifest.trustees[j].ed25519,
                           messages.destroy_message(record.ctx, j), signature)
        except CryptoError:
            raise CheckFailed(f"outcome: trustee {j}'s destroy confirmation does not verify "
                              "under its key in the manifest") from None
