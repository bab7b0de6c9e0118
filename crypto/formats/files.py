"""The ceremony's public files: ceremony package (manifest + ctx), deal, board, complaint,
complaint answer, transcript signature and destroy confirmation (see
``docs/trustee-files.md``).

Each ``parse_*(doc)`` checks one document strictly and returns typed data; ``doc`` comes from
:func:`parse_document` (bytes, e.g. an upload to the web app) and ``load_*(path)`` does both for
a file. Each ``*_doc`` builds the JSON-ready dict that
:func:`crypto.formats.jsonfile.write_document` writes. Checking *meaning* (signatures, proofs) is
left to the caller, except for ``ctx``, which is checked against the manifest whenever a
manifest is read, and the trustees' X25519 keys, which must be points of the prime-order
subgroup (:func:`crypto.complaints.check_x25519_public`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import dkg
from ..complaints import ComplaintAnswer, check_x25519_public
from ..errors import Complaint, EncodingError, InvalidDeal, WeakKey
from ..hashing import H, canonical_json
from .errors import CheckFailed, FormatError
from .jsonfile import VERSION, Obj, expect, read_document
from .jsonfile import parse_document as parse_document  # re-exported: the app parses uploads

CTX_BYTES = 32
SIGNATURE_BYTES = 64
KEY_BYTES = 32
CAMPAIGN_ID_HEX = 32
HEXDIGITS = frozenset("0123456789abcdef")


# --- manifest and ceremony package ----------------------------------------------------------


@dataclass(frozen=True)
class ManifestTrustee:
    """One trustee as the manifest lists it."""

    index: int
    name: str
    ed25519: bytes
    x25519: bytes


@dataclass(frozen=True)
class Rule:
    """The campaign's threshold rule (docs/protocol.md §8)."""

    min_total: int
    min_per_lab: int
    min_labs: int


@dataclass(frozen=True)
class Manifest:
    """The frozen manifest, checked field by field (docs/protocol.md §3); ``raw`` is all of it.

    ``witnesses`` maps every witness's Ed25519 key to its name: the trustees first, then the
    extra witnesses the organizer listed. ``deadline`` is in Unix seconds.
    """

    raw: dict[str, Any]
    campaign_id: str
    t: int
    n: int
    trustees: dict[int, ManifestTrustee]
    token_keys: dict[str, bytes]
    rule: Rule
    k: int
    practice: bool
    log_key: bytes
    witnesses: dict[bytes, str]
    w: int
    batch_interval: int
    reveal_window: int
    deadline: int

    @property
    def log_id(self) -> bytes:
        """The log identifier every tree head signs: the ASCII of the campaign id."""
        return self.campaign_id.encode("ascii")

    def lab_name(self, slug: str) -> str:
        """The display name the manifest gives the lab ``slug`` (the slug if it names none)."""
        for lab in self.raw.get("labs", []):
            if isinstance(lab, dict) and lab.get("slug") == slug:
                name = lab.get("name")
                return name if isinstance(name, str) and name else slug
        return slug

    def index_of(self, ed25519: bytes, x25519: bytes) -> int | None:
        """The index of the trustee with exactly these public keys, if listed."""
        for trustee in self.trustees.values():
            if trustee.ed25519 == ed25519 and trustee.x25519 == x25519:
                return trustee.index
        return None

    def dkg_keys(self, index: int) -> dkg.TrusteeKeys:
        """Trustee ``index``'s keys in the form :mod:`crypto.dkg` takes."""
        trustee = self.trustees[index]
        return dkg.TrusteeKeys(ed25519=trustee.ed25519, x25519=trustee.x25519)

    @property
    def recipients(self) -> dict[int, bytes]:
        """Every trustee's X25519 key by index (the recipients of a deal)."""
        return {i: tr.x25519 for i, tr in self.trustees.items()}


@dataclass(frozen=True)
class ManifestPackage:
    """A manifest together with its ``ctx``, already checked to match."""

    manifest: Manifest
    ctx: bytes


def manifest_ctx(raw: Mapping[str, Any]) -> bytes:
    """``ctx = H("manifest", canonical_json(manifest); n=32)`` (docs/protocol.md §3)."""
    return H("manifest", canonical_json(raw), n=CTX_BYTES)


def _parse_trustees(m: Obj, n: int) -> dict[int, ManifestTrustee]:
    items = m.objects("trustees")
    if len(items) != n:
        raise FormatError(f"{m.where}: field trustees must list exactly n = {n} trustees")
    trustees: dict[int, ManifestTrustee] = {}
    for position, item in enumerate(items, start=1):
        item.exact_keys({"index", "name", "ed25519", "x25519"})
        if item.integer("index") != position:
            raise FormatError(f"{item.where}: trustees must be listed by index 1..n")
        name, x25519 = item.text("name"), item.raw("x25519", size=KEY_BYTES)
        try:
            check_x25519_public(x25519)
        except WeakKey as exc:
            raise FormatError(f"{item.where}: trustee {position} ({name!r}) is refused: {exc} "
                              "(every X25519 key must be a point of the prime-order subgroup)"
                              ) from exc
        trustees[position] = ManifestTrustee(
            position, name, item.raw("ed25519", size=KEY_BYTES), x25519,
        )
    return trustees


def _parse_labs(m: Obj) -> dict[str, bytes]:
    labs: dict[str, bytes] = {}
    for item in m.objects("labs"):
        item.exact_keys({"slug", "name", "domains", "token_public_key"})
        item.text("name")
        for position, domain in enumerate(item.array("domains")):
            if not isinstance(domain, str) or not domain:
                raise FormatError(f"{item.where}: field domains[{position}] must be a domain name")
        slug = item.text("slug", max_len=255)
        if slug in labs:
            raise FormatError(f"{item.where}: lab {slug} is listed twice")
        if labs and slug < max(labs):
            raise FormatError(f"{item.where}: labs must be listed sorted by slug")
        labs[slug] = item.raw("token_public_key", max_size=4096)
    if not labs:
        raise FormatError(f"{m.where}: field labs must list at least one lab")
    return labs


MANIFEST_KEYS = frozenset({
    "v", "id", "slug", "title", "pledge_text", "conditions", "labs", "rule", "deadline", "t", "n",
    "trustees", "k", "practice", "log_key", "witnesses", "w", "batch_interval", "reveal_window",
})
MAX_K = 100
MAX_EXTRA_WITNESSES = 32
MAX_BATCH_INTERVAL = 7 * 86400
MAX_REVEAL_WINDOW = 366 * 86400
_DEADLINE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def witness_quorum_problem(t: int, n: int, n_witnesses: int, w: int) -> str | None:
    """Why ``w`` is not a valid cosigning quorum, or ``None`` (docs/protocol.md §3).

    Two conflicting heads must not both reach ``w`` unless a witness signs both (``2w > n_w``),
    and the trustees who reveal a round must be able to confirm it alone (``w <= t``), except
    under a weaker trustee quorum (``2t <= n``), where ``w`` is the smallest majority.
    """
    if not 1 <= w <= n_witnesses:
        return f"w must be from 1 to the number of witnesses ({n_witnesses})"
    if 2 * w <= n_witnesses:
        return f"w must be a majority of the {n_witnesses} witnesses (at least {n_witnesses // 2 + 1})"
    if 2 * t <= n:
        if w != n_witnesses // 2 + 1:
            return f"with t <= n/2, w must be the smallest majority of the witnesses ({n_witnesses // 2 + 1})"
    elif w > t:
        return f"w must not exceed t = {t}, so the trustees who reveal can confirm the reveal"
    return None


def _parse_deadline(m: Obj) -> int:
    text = m.text("deadline", max_len=20)
    try:
        if not _DEADLINE.fullmatch(text):
            raise ValueError(text)
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise FormatError(f"{m.where}: field deadline must be YYYY-MM-DDTHH:MM:SSZ") from exc
    return int(moment.timestamp())


def _parse_witnesses(m: Obj, trustees: dict[int, ManifestTrustee]) -> dict[bytes, str]:
    witnesses = {tr.ed25519: tr.name for tr in trustees.values()}
    if len(witnesses) != len(trustees):
        raise FormatError(f"{m.where}: two trustees share an Ed25519 key")
    items = m.objects("witnesses")
    if len(items) > MAX_EXTRA_WITNESSES:
        raise FormatError(f"{m.where}: at most {MAX_EXTRA_WITNESSES} extra witnesses")
    for item in items:
        item.exact_keys({"name", "ed25519"})
        key = item.raw("ed25519", size=KEY_BYTES)
        if key in witnesses:
            raise FormatError(f"{item.where}: this key is already a witness")
        witnesses[key] = item.text("name")
    return witnesses


def parse_manifest(m: Obj) -> Manifest:
    """Check every field of a manifest strictly (docs/protocol.md §3): exactly its keys, each in
    its range, the cosigning quorum valid. Free text is only hashed."""
    if not m.is_version(VERSION):
        raise FormatError(f"{m.where}: field v must be {VERSION}")
    m.exact_keys(MANIFEST_KEYS)
    campaign_id = m.text("id", max_len=CAMPAIGN_ID_HEX)
    if len(campaign_id) != CAMPAIGN_ID_HEX or not set(campaign_id) <= HEXDIGITS:
        raise FormatError(f"{m.where}: field id must be 32 lowercase hex characters")
    for key in ("slug", "title", "pledge_text"):
        m.text(key, max_len=1_000_000)
    for position, condition in enumerate(m.array("conditions")):
        if not isinstance(condition, str):
            raise FormatError(f"{m.where}: field conditions[{position}] must be a string")
    n = m.integer("n", low=1, high=dkg.MAX_TRUSTEES)
    t = m.integer("t", low=1, high=n)
    rule = m.child("rule").exact_keys({"min_total", "min_per_lab", "min_labs"})
    practice = m.data.get("practice")
    if not isinstance(practice, bool):
        raise FormatError(f"{m.where}: field practice must be true or false")
    k = m.integer("k", low=1 if practice else 2, high=MAX_K)
    trustees = _parse_trustees(m, n)
    witnesses = _parse_witnesses(m, trustees)
    w = m.integer("w", low=1, high=len(witnesses))
    problem = witness_quorum_problem(t, n, len(witnesses), w)
    if problem:
        raise FormatError(f"{m.where}: field w: {problem}")
    return Manifest(
        raw=m.data, campaign_id=campaign_id, t=t, n=n, trustees=trustees,
        token_keys=_parse_labs(m),
        rule=Rule(rule.integer("min_total"), rule.integer("min_per_lab"),
                  rule.integer("min_labs")),
        k=k, practice=practice, log_key=m.raw("log_key", size=KEY_BYTES), witnesses=witnesses, w=w,
        batch_interval=m.integer("batch_interval", low=1, high=MAX_BATCH_INTERVAL),
        reveal_window=m.integer("reveal_window", low=1, high=MAX_REVEAL_WINDOW),
        deadline=_parse_deadline(m),
    )


def parse_manifest_package(doc: Obj) -> ManifestPackage:
    """The ``manifest`` and ``ctx`` fields of a ceremony or round package, checked to match."""
    manifest = parse_manifest(doc.child("manifest"))
    ctx = doc.raw("ctx", size=CTX_BYTES)
    try:
        computed = manifest_ctx(manifest.raw)
    except EncodingError as exc:
        raise FormatError(f"{doc.where}: the manifest cannot be canonically encoded") from exc
    if computed != ctx:
        raise CheckFailed(f"{doc.where}: ctx does not match the manifest (it was altered or is "
                          "for another campaign)")
    return ManifestPackage(manifest, ctx)


def parse_ceremony(doc: Obj) -> ManifestPackage:
    """A ceremony package: ``{"v", "kind": "ceremony", "manifest", "ctx"}``."""
    return parse_manifest_package(expect(doc, "ceremony", {"manifest", "ctx"}))


def load_ceremony(path: Path) -> ManifestPackage:
    """Read a ceremony package file."""
    return parse_ceremony(read_document(path, "ceremony"))


def ceremony_doc(manifest: Mapping[str, Any], ctx: bytes) -> dict[str, Any]:
    """A ceremony package as the web app serves it."""
    return {"v": VERSION, "kind": "ceremony", "manifest": manifest, "ctx": ctx}


# --- deals and the board --------------------------------------------------------------------


def deal_doc(ctx: bytes, deal: dkg.Deal) -> dict[str, Any]:
    """A deal file: ``{"v", "kind": "deal", "ctx", "deal": <dkg.deal_to_dict>}``."""
    return {"v": VERSION, "kind": "deal", "ctx": ctx, "deal": dkg.deal_to_dict(deal)}


def parse_deal(doc: Obj) -> tuple[bytes, dkg.Deal]:
    """A deal document; returns ``(ctx, deal)`` (shape only: check it with
    :func:`crypto.dkg.check_deal_public`)."""
    expect(doc, "deal", {"ctx", "deal"})
    try:
        return doc.raw("ctx", size=CTX_BYTES), dkg.deal_from_dict(doc.child("deal").data)
    except EncodingError as exc:
        raise FormatError(f"{doc.where}: field deal is malformed") from exc


def load_deal(path: Path) -> tuple[bytes, dkg.Deal]:
    """Read a deal file."""
    return parse_deal(read_document(path, "deal"))


@dataclass(frozen=True)
class Accusation:
    """One signed complaint against one dealer."""

    accused: int
    reason: str
    signature: bytes


@dataclass(frozen=True)
class FiledComplaint:
    """A complaint file on the board: trustee ``index`` accuses one or more dealers."""

    index: int
    accusations: tuple[Accusation, ...]


@dataclass(frozen=True)
class SignedAnswer:
    """The dealer's signed answer to one trustee's complaint."""

    complainant: int
    answer: ComplaintAnswer
    signature: bytes


@dataclass(frozen=True)
class FiledAnswer:
    """A complaint-answer file on the board: dealer ``dealer`` answers one or more complaints."""

    dealer: int
    answers: tuple[SignedAnswer, ...]


@dataclass(frozen=True)
class Board:
    """All n posted deals, still unparsed (a malformed deal is reported, not a crash), and the
    complaints and answers filed so far, parsed (their signatures and proofs unchecked)."""

    ctx: bytes
    deals: dict[int, Obj]
    complaints: tuple[FiledComplaint, ...] = ()
    answers: tuple[FiledAnswer, ...] = ()

    def accusations(self) -> list[tuple[int, Accusation]]:
        """Every ``(complainant, accusation)`` on the board, in filing order."""
        return [(filed.index, a) for filed in self.complaints for a in filed.accusations]

    def answer_to(self, dealer: int, complainant: int) -> SignedAnswer | None:
        """Dealer ``dealer``'s answer to ``complainant``'s complaint, if one is on the board."""
        for filed in self.answers:
            if filed.dealer == dealer:
                for answer in filed.answers:
                    if answer.complainant == complainant:
                        return answer
        return None

    def deal(self, dealer: int) -> dkg.Deal:
        """Dealer ``dealer``'s deal; raises :class:`InvalidDeal` (malformed) if it won't parse."""
        try:
            return dkg.deal_from_dict(self.deals[dealer].data)
        except EncodingError as exc:
            raise InvalidDeal(dealer, Complaint.MALFORMED) from exc


def parse_board(doc: Obj, n: int) -> Board:
    """A board object ``{"v", "kind": "board", "ctx", "deals": [...], "complaints": [...],
    "answers": [...]}`` with deals 1..n in order and the complaint and complaint-answer files
    filed for this ``ctx`` by trustees 1..n."""
    expect(doc, "board", {"ctx", "deals", "complaints", "answers"})
    ctx = doc.raw("ctx", size=CTX_BYTES)
    deals = doc.objects("deals")
    if len(deals) != n:
        raise CheckFailed(f"{doc.where}: the board holds {len(deals)} deals; the ceremony needs "
                          f"all n = {n}")
    for position, item in enumerate(deals, start=1):
        if item.integer("dealer") != position:
            raise FormatError(f"{item.where}: deals must be listed by dealer 1..n")
    complaints = []
    for item in doc.objects("complaints"):
        filed_ctx, index, accusations = parse_complaint(item)
        _check_filed(item, filed_ctx, ctx, [index, *(a.accused for a in accusations)], n)
        complaints.append(FiledComplaint(index, tuple(accusations)))
    answers = []
    for item in doc.objects("answers"):
        filed_ctx, dealer, signed = parse_answer(item)
        _check_filed(item, filed_ctx, ctx, [dealer, *(a.complainant for a in signed)], n)
        answers.append(FiledAnswer(dealer, tuple(signed)))
    return Board(ctx, dict(enumerate(deals, start=1)), tuple(complaints), tuple(answers))


def _check_filed(item: Obj, filed_ctx: bytes, ctx: bytes, seats: list[int], n: int) -> None:
    if filed_ctx != ctx:
        raise CheckFailed(f"{item.where} is for another campaign (its ctx differs)")
    if max(seats) > n:
        raise FormatError(f"{item.where} names a trustee beyond n = {n}")


def load_board(path: Path, n: int) -> Board:
    """Read a board file."""
    return parse_board(read_document(path, "board"), n)


def board_doc(
    ctx: bytes, deals: Mapping[int, dkg.Deal], complaints: Sequence[Mapping[str, Any]] = (),
    answers: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A board as the web app serves it: every deal, by dealer, and the complaint and
    complaint-answer documents as they were filed (:func:`complaint_doc`, :func:`answer_doc`)."""
    ordered = [dkg.deal_to_dict(deals[i]) for i in sorted(deals)]
    return {"v": VERSION, "kind": "board", "ctx": ctx, "deals": ordered,
            "complaints": list(complaints), "answers": list(answers)}


# --- what a trustee uploads after the ceremony ----------------------------------------------


@dataclass(frozen=True)
class SignedStatement:
    """A transcript signature (``transcript`` set) or a destroy confirmation (``None``)."""

    ctx: bytes
    index: int
    signature: bytes
    transcript: bytes | None = None


def complaint_doc(ctx: bytes, index: int, accusations: list[Accusation]) -> dict[str, Any]:
    """A complaint file: trustee ``index`` accuses one or more dealers."""
    return {
        "v": VERSION, "kind": "complaint", "ctx": ctx, "index": index,
        "complaints": [
            {"accused": a.accused, "reason": a.reason, "signature": a.signature}
            for a in accusations
        ],
    }


def parse_complaint(doc: Obj) -> tuple[bytes, int, list[Accusation]]:
    """A complaint document; returns ``(ctx, complainer index, accusations)``."""
    expect(doc, "complaint", {"ctx", "index", "complaints"})
    reasons = {c.value for c in Complaint}
    index = doc.integer("index", low=1, high=dkg.MAX_TRUSTEES)
    accusations: list[Accusation] = []
    for item in doc.objects("complaints"):
        item.exact_keys({"accused", "reason", "signature"})
        reason = item.text("reason", max_len=64)
        if reason not in reasons:
            raise FormatError(f"{item.where}: unknown complaint reason {reason!r}")
        accused = item.integer("accused", low=1, high=dkg.MAX_TRUSTEES)
        if accused == index:
            raise FormatError(f"{item.where}: a trustee does not complain against itself")
        if any(a.accused == accused for a in accusations):
            raise FormatError(f"{item.where}: trustee {accused} is accused twice")
        accusations.append(Accusation(accused, reason, item.raw("signature", size=SIGNATURE_BYTES)))
    if not accusations:
        raise FormatError(f"{doc.where}: field complaints must not be empty")
    return doc.raw("ctx", size=CTX_BYTES), index, accusations


def load_complaint(path: Path) -> tuple[bytes, int, list[Accusation]]:
    """Read a complaint file."""
    return parse_complaint(read_document(path, "complaint"))


def answer_doc(ctx: bytes, dealer: int, answers: Sequence[SignedAnswer]) -> dict[str, Any]:
    """A complaint-answer file: dealer ``dealer`` answers the complaints against it."""
    return {
        "v": VERSION, "kind": "complaint-answer", "ctx": ctx, "dealer": dealer,
        "answers": [
            {"complainant": a.complainant, "shared_point": a.answer.shared_point,
             "a1": a.answer.a1, "a2": a.answer.a2, "z": a.answer.z, "signature": a.signature}
            for a in answers
        ],
    }


def parse_answer(doc: Obj) -> tuple[bytes, int, list[SignedAnswer]]:
    """A complaint-answer document; returns ``(ctx, dealer, answers)`` (shape only: check each
    with :func:`crypto.complaints.adjudicate` and
    :func:`crypto.formats.messages.complaint_answer_message`)."""
    expect(doc, "complaint-answer", {"ctx", "dealer", "answers"})
    dealer = doc.integer("dealer", low=1, high=dkg.MAX_TRUSTEES)
    answers: list[SignedAnswer] = []
    for item in doc.objects("answers"):
        item.exact_keys({"complainant", "shared_point", "a1", "a2", "z", "signature"})
        complainant = item.integer("complainant", low=1, high=dkg.MAX_TRUSTEES)
        if complainant == dealer:
            raise FormatError(f"{item.where}: a dealer does not answer itself")
        if any(a.complainant == complainant for a in answers):
            raise FormatError(f"{item.where}: trustee {complainant} is answered twice")
        answer = ComplaintAnswer(*(item.raw(key, size=KEY_BYTES)
                                   for key in ("shared_point", "a1", "a2", "z")))
        answers.append(SignedAnswer(complainant, answer,
                                    item.raw("signature", size=SIGNATURE_BYTES)))
    if not answers:
        raise FormatError(f"{doc.where}: field answers must not be empty")
    return doc.raw("ctx", size=CTX_BYTES), dealer, answers


def load_answer(path: Path) -> tuple[bytes, int, list[SignedAnswer]]:
    """Read a complaint-answer file."""
    return parse_answer(read_document(path, "complaint-answer"))


def transcript_signature_doc(statement: SignedStatement) -> dict[str, Any]:
    """A transcript-signature file."""
    return {
        "v": VERSION, "kind": "transcript-signature", "ctx": statement.ctx,
        "index": statement.index, "transcript": statement.transcript,
        "signature": statement.signature,
    }


def destroy_confirmation_doc(statement: SignedStatement) -> dict[str, Any]:
    """A destroy-confirmation file."""
    return {
        "v": VERSION, "kind": "destroy-confirmation", "ctx": statement.ctx,
        "index": statement.index, "signature": statement.signature,
    }


STATEMENT_KINDS = ("transcript-signature", "destroy-confirmation")


def parse_signed_statement(doc: Obj, kind: str) -> SignedStatement:
    """A ``transcript-signature`` or ``destroy-confirmation`` document (signature unchecked:
    verify it with :mod:`crypto.formats.messages`)."""
    if kind not in STATEMENT_KINDS:
        raise ValueError(f"not a signed statement kind: {kind}")
    with_transcript = kind == "transcript-signature"
    expect(doc, kind, {"ctx", "index", "signature", *(["transcript"] if with_transcript else [])})
    return SignedStatement(
        ctx=doc.raw("ctx", size=CTX_BYTES),
        index=doc.integer("index", low=1, high=dkg.MAX_TRUSTEES),
        signature=doc.raw("signature", size=SIGNATURE_BYTES),
        transcript=(doc.raw("transcript", size=dkg.TRANSCRIPT_DIGEST_BYTES)
                    if with_transcript else None),
    )


def load_signed_statement(path: Path, kind: str) -> SignedStatement:
    """Read a ``transcript-signature`` or ``destroy-confirmation`` file."""
    return parse_signed_statement(read_document(path, kind), kind)
