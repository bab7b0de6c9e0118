"""``pledge-verify``'s checks of a campaign record up to its rounds' contents: the manifest, the
key ceremony, the leaves, the signed heads and their cosignatures, and the counts (docs/record.md,
checks 2 to 6 and 9; docs/protocol.md §12). Each failure is a
:class:`~crypto.formats.errors.CheckFailed` naming the part at fault.

The log alone shows no lab: an entry leaf commits to its lab, and the commitment is opened only
when the entry is revealed (:mod:`.record_rounds` checks the openings). What the leaves show is
checked here: their form, one entry per nullifier, and each withdrawal's and each statement's
signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto import blindrsa, dkg, log_leaves, merkle
from crypto.errors import CryptoError, EncodingError, InvalidDeal, InvalidSignature
from crypto.formats import messages
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.files import Rule, manifest_ctx
from crypto.formats.record import PublicDeal, Record, SignedHead


@dataclass
class LogFacts:
    """What the leaves say, for the later checks."""

    leaves: list[log_leaves.Leaf] = field(default_factory=list)  # every leaf, parsed
    entries: dict[int, log_leaves.EntryLeaf] = field(default_factory=dict)  # by leaf index
    events: dict[int, log_leaves.EventLeaf] = field(default_factory=dict)  # by leaf index
    live_at: dict[int, int] = field(default_factory=dict)  # head size -> live entries
    withdrawals: int = 0
    by_nullifier: dict[bytes, int] = field(default_factory=dict)  # entry's leaf index
    withdrawn: dict[bytes, int] = field(default_factory=dict)  # nullifier -> withdrawal's leaf
    statements: int = 0  # statement leaves, each signed by its entry's withdrawal key
    conditions: int = 0  # condition leaves


def head_name(head: SignedHead) -> str:
    """``head of batch B (size S)``."""
    return f"head of batch {head.batch} (size {head.size})"


# --- 2. manifest ----------------------------------------------------------------------------


def check_manifest(record: Record) -> None:
    """``ctx`` is the manifest's hash, every token key is the SPKI DER of an RSA key, and the
    rule's per-lab minimum is 0 or at least ``k``."""
    try:
        computed = manifest_ctx(record.manifest.raw)
    except CryptoError as exc:
        raise FormatError("manifest: it cannot be encoded as canonical JSON") from exc
    if computed != record.ctx:
        raise CheckFailed("ctx does not match the manifest: "
                          "H(\"manifest\", canonical_json(manifest); n=32) differs")
    for slug, der in record.manifest.token_keys.items():
        try:
            key = blindrsa.load_public_key(der)
        except EncodingError:
            raise CheckFailed(f"manifest: lab {slug}'s token public key is not valid") from None
        if blindrsa.public_key_der(key) != der:  # PEM and PKCS#1 RSAPublicKey load too
            raise CheckFailed(f"manifest: lab {slug}'s token public key is not the SPKI DER of "
                              "an RSA key (docs/protocol.md §3)")
    rule, k = record.manifest.rule, record.manifest.k
    if 0 < rule.min_per_lab < k:
        raise CheckFailed(f"manifest: the rule's min_per_lab ({rule.min_per_lab}) is below k = {k}: "
                          "a lab could reach it while its entries may not be revealed")


# --- 3. key ceremony ------------------------------------------------------------------------


def _check_deal(ctx: bytes, t: int, deal: PublicDeal, dealer_ed25519: bytes) -> None:
    # The record keeps the encrypted shares only by their digest (docs/record.md), which is
    # what the deal signature covers.
    dkg.check_signed_parts(ctx, t, deal.dealer, deal.commitments, deal.pop_r, deal.pop_z,
                           deal.shares_digest, deal.signature, dealer_ed25519)


def _check_deals(record: Record) -> dict[int, tuple[bytes, ...]]:
    m = record.manifest
    if [d.dealer for d in record.deals] != list(range(1, m.n + 1)):
        raise CheckFailed(f"dkg: the record must hold one deal per trustee, by dealer 1..{m.n}")
    for deal in record.deals:
        try:
            _check_deal(record.ctx, m.t, deal, m.trustees[deal.dealer].ed25519)
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


# --- 4. leaves ------------------------------------------------------------------------------


def _check_withdrawal(i: int, leaf: log_leaves.WithdrawalLeaf, facts: LogFacts) -> None:
    """A withdrawal names an earlier entry, withdraws it once, and is signed by its key."""
    if leaf.nullifier not in facts.by_nullifier:
        raise CheckFailed(f"leaf {i}: withdraws a nullifier that no earlier entry has")
    k = facts.by_nullifier[leaf.nullifier]
    if leaf.nullifier in facts.withdrawn:
        raise CheckFailed(f"leaf {i}: withdraws leaf {k} a second time (first at leaf "
                          f"{facts.withdrawn[leaf.nullifier]})")
    try:
        log_leaves.verify_withdrawal(facts.entries[k].withdrawal_key, leaf.nullifier, leaf.signature)
    except (InvalidSignature, EncodingError):
        raise CheckFailed(f"leaf {i}: the withdrawal signature does not verify under leaf {k}'s "
                          "withdrawal key") from None
    facts.withdrawn[leaf.nullifier] = i


def _check_statement(i: int, leaf: log_leaves.StatementLeaf, facts: LogFacts) -> None:
    """A statement names an earlier entry and is signed by that entry's withdrawal key (the
    replay checks when it may come, its ``seq`` and its stance)."""
    if leaf.nullifier not in facts.by_nullifier:
        raise CheckFailed(f"leaf {i}: a statement for a nullifier that no earlier entry has")
    k = facts.by_nullifier[leaf.nullifier]
    try:
        log_leaves.verify_statement(facts.entries[k].withdrawal_key, leaf)
    except (InvalidSignature, EncodingError):
        raise CheckFailed(f"leaf {i}: statement signature does not verify under the withdrawal "
                          f"key of leaf {k}") from None


def check_leaves(record: Record) -> LogFacts:
    """The log's id, then every leaf in order: its form (exactly one of the leaf shapes, in
    canonical JSON), an entry's nullifier no earlier entry has, a withdrawal of an earlier entry,
    once, signed by its withdrawal key, a statement signed by its entry's withdrawal key; counts
    the live entries at every head's size."""
    if record.log_id != record.manifest.log_id:
        raise CheckFailed("log: id is not the ASCII of the manifest's id")
    sizes = {head.size for head in record.heads} | {0}
    facts, live = LogFacts(), 0
    for i, data in enumerate(record.leaves):
        if i in sizes:
            facts.live_at[i] = live
        try:
            leaf = log_leaves.parse_leaf(data)
        except EncodingError as exc:
            raise CheckFailed(f"leaf {i}: not a valid log leaf ({exc})") from None
        facts.leaves.append(leaf)
        if isinstance(leaf, log_leaves.EntryLeaf):
            if leaf.nullifier in facts.by_nullifier:
                raise CheckFailed(f"leaf {i}: the nullifier repeats leaf {facts.by_nullifier[leaf.nullifier]}")
            facts.by_nullifier[leaf.nullifier] = i
            facts.entries[i] = leaf
            live += 1
        elif isinstance(leaf, log_leaves.WithdrawalLeaf):
            _check_withdrawal(i, leaf, facts)
            facts.withdrawals += 1
            live -= 1
        elif isinstance(leaf, log_leaves.EventLeaf):
            facts.events[i] = leaf
        elif isinstance(leaf, log_leaves.StatementLeaf):
            _check_statement(i, leaf, facts)
            facts.statements += 1
        else:
            facts.conditions += 1
    facts.live_at[len(record.leaves)] = live
    return facts


# --- 5. signed heads ------------------------------------------------------------------------


def _check_head_order(previous: SignedHead | None, head: SignedHead, position: int) -> None:
    if head.batch != position:
        raise CheckFailed(f"log: heads[{position - 1}] is batch {head.batch}; heads must be "
                          f"every batch's head, numbered 1, 2, 3, ...")
    if previous is not None and head.size < previous.size:
        raise CheckFailed(f"log: the {head_name(head)} is smaller than the head before it")


def check_heads(record: Record) -> None:
    """Heads are numbered 1.. by batch, never shrink, verify under the manifest's ``log_key``
    (and no other key), match the Merkle root of the leaves, and the latest covers every leaf."""
    tree = merkle.MerkleTree.from_leaves(record.leaves)
    previous: SignedHead | None = None
    for position, head in enumerate(record.heads, start=1):
        _check_head_order(previous, head, position)
        try:
            merkle.verify_tree_head(record.manifest.log_key, record.log_id, head.size,
                                    head.timestamp, head.root, head.signature)
        except CryptoError:
            raise CheckFailed(f"log: the signature of the {head_name(head)} does not verify "
                              "under the manifest's log_key") from None
        if head.size > tree.size:
            raise CheckFailed(f"log: the {head_name(head)} covers more leaves than the record "
                              f"holds ({tree.size})")
        if tree.root(head.size) != head.root:
            raise CheckFailed(f"log: the Merkle root of leaves 0..{head.size - 1} does not "
                              f"match the signed root of the {head_name(head)}")
        previous = head
    latest = record.heads[-1].size if record.heads else 0
    if latest != tree.size:
        raise CheckFailed(f"log: the record holds {tree.size} leaves but the latest signed head "
                          f"covers {latest}")


# --- 6. cosignatures ------------------------------------------------------------------------


def check_cosignatures(record: Record) -> None:
    """Every cosignature is by a witness the manifest lists and verifies over its head."""
    witnesses = record.manifest.witnesses
    for head in record.heads:
        for key, signature in sorted(head.cosignatures.items()):
            if key not in witnesses:
                raise CheckFailed(f"log: the {head_name(head)} carries a cosignature by key "
                                  f"{key.hex()}, which is not a witness of the manifest")
            try:
                merkle.verify_cosignature(key, record.log_id, head.size, head.timestamp,
                                          head.root, signature)
            except CryptoError:
                raise CheckFailed(f"log: the cosignature of the {head_name(head)} by witness "
                                  f"{witnesses[key]!r} (key {key.hex()}) does not verify") from None


# --- 9. counts -------------------------------------------------------------------------------


def counts_head(record: Record, first_round_batch: int | None) -> SignedHead | None:
    """The head the counts are stated for: the latest, or once round 1 froze, the head of the
    batch that froze it."""
    if first_round_batch is not None:
        return record.heads[first_round_batch - 1]
    return record.heads[-1] if record.heads else None


def check_counts(record: Record, first_round_batch: int | None) -> None:
    """The counts are stated for the right head (:func:`counts_head`), and ``labs_reached``
    names only labs of the manifest, none at all when the rule has no per-lab part."""
    head = counts_head(record, first_round_batch)
    size = head.size if head is not None else 0
    if record.counts_head_size != size:
        where = ("the head of the batch that froze round 1" if first_round_batch is not None
                 else "the latest head")
        raise CheckFailed(f"counts: stated for a head of size {record.counts_head_size}, but "
                          f"{where} has size {size}")
    for slug in record.labs_reached:
        if slug not in record.manifest.token_keys:
            raise CheckFailed(f"counts: labs_reached lists {slug!r}, which is not a lab of the manifest")
    if record.labs_reached and record.manifest.rule.min_per_lab == 0:
        raise CheckFailed("counts: labs_reached lists labs, but the rule has no per-lab minimum")


def rule_holds(rule: Rule, live_total: int, labs_reached: int) -> bool:
    """The threshold rule: ``live_total`` live entries, ``labs_reached`` labs at ``min_per_lab``."""
    return live_total >= rule.min_total and labs_reached >= rule.min_labs
