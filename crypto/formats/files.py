"""The ceremony's public files: ceremony package (manifest + ctx), deal, board, complaint,
transcript signature and destroy confirmation (see ``docs/trustee-files.md``).

Each ``parse_*(doc)`` checks one document strictly and returns typed data; ``doc`` comes from
:func:`parse_document` (bytes, e.g. an upload to the web app) and ``load_*(path)`` does both for
a file. Each ``*_doc`` builds the JSON-ready dict that
:func:`crypto.formats.jsonfile.write_document` writes. Checking *meaning* (signatures, proofs) is
left to the caller, except for ``ctx``, which is checked against the manifest whenever a
manifest is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import dkg
from ..errors import Complaint, EncodingError, InvalidDeal
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
    """The campaign's threshold rule (DESIGN §2)."""

    min_total: int
    min_per_lab: int
    min_labs: int


@dataclass(frozen=True)
class Manifest:
    """What the trustee tool uses of the frozen manifest (DESIGN §4.1); ``raw`` is all of it."""

    raw: dict[str, Any]
    campaign_id: str
    t: int
    n: int
    trustees: dict[int, ManifestTrustee]
    token_keys: dict[str, bytes]
    rule: Rule

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
    """``ctx = H("manifest", canonical_json(manifest); n=32)`` (DESIGN §4.1)."""
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
        trustees[position] = ManifestTrustee(
            position, item.text("name"), item.raw("ed25519", size=KEY_BYTES),
            item.raw("x25519", size=KEY_BYTES),
        )
    return trustees


def _parse_labs(m: Obj) -> dict[str, bytes]:
    labs: dict[str, bytes] = {}
    for item in m.objects("labs"):
        slug = item.text("slug", max_len=255)
        if slug in labs:
            raise FormatError(f"{item.where}: lab {slug} is listed twice")
        labs[slug] = item.raw("token_public_key", max_size=4096)
    if not labs:
        raise FormatError(f"{m.where}: field labs must list at least one lab")
    return labs


def parse_manifest(m: Obj) -> Manifest:
    """Check the fields of a manifest this tool relies on (the rest is only hashed)."""
    if not m.is_version(VERSION):
        raise FormatError(f"{m.where}: field v must be {VERSION}")
    campaign_id = m.text("id", max_len=CAMPAIGN_ID_HEX)
    if len(campaign_id) != CAMPAIGN_ID_HEX or not set(campaign_id) <= HEXDIGITS:
        raise FormatError(f"{m.where}: field id must be 32 lowercase hex characters")
    n = m.integer("n", low=1, high=dkg.MAX_TRUSTEES)
    t = m.integer("t", low=1, high=n)
    rule = m.child("rule")
    return Manifest(
        raw=m.data, campaign_id=campaign_id, t=t, n=n, trustees=_parse_trustees(m, n),
        token_keys=_parse_labs(m),
        rule=Rule(rule.integer("min_total"), rule.integer("min_per_lab"),
                  rule.integer("min_labs")),
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
class Board:
    """All n posted deals, still unparsed: a malformed deal is a complaint, not a crash."""

    ctx: bytes
    deals: dict[int, Obj]

    def deal(self, dealer: int) -> dkg.Deal:
        """Dealer ``dealer``'s deal; raises :class:`InvalidDeal` (malformed) if it won't parse."""
        try:
            return dkg.deal_from_dict(self.deals[dealer].data)
        except EncodingError as exc:
            raise InvalidDeal(dealer, Complaint.MALFORMED) from exc


def parse_board(doc: Obj, n: int) -> Board:
    """A board object ``{"v", "kind": "board", "ctx", "deals": [...]}`` with deals 1..n in order."""
    expect(doc, "board", {"ctx", "deals"})
    deals = doc.objects("deals")
    if len(deals) != n:
        raise CheckFailed(f"{doc.where}: the board holds {len(deals)} deals; the ceremony needs "
                          f"all n = {n}")
    for position, item in enumerate(deals, start=1):
        if item.integer("dealer") != position:
            raise FormatError(f"{item.where}: deals must be listed by dealer 1..n")
    return Board(doc.raw("ctx", size=CTX_BYTES), dict(enumerate(deals, start=1)))


def load_board(path: Path, n: int) -> Board:
    """Read a board file."""
    return parse_board(read_document(path, "board"), n)


def board_doc(ctx: bytes, deals: Mapping[int, dkg.Deal]) -> dict[str, Any]:
    """A board as the web app serves it: every deal, by dealer."""
    ordered = [dkg.deal_to_dict(deals[i]) for i in sorted(deals)]
    return {"v": VERSION, "kind": "board", "ctx": ctx, "deals": ordered}


# --- what a trustee uploads after the ceremony ----------------------------------------------


@dataclass(frozen=True)
class Accusation:
    """One signed complaint against one dealer."""

    accused: int
    reason: str
    signature: bytes


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
    accusations = []
    for item in doc.objects("complaints"):
        item.exact_keys({"accused", "reason", "signature"})
        reason = item.text("reason", max_len=64)
        if reason not in reasons:
            raise FormatError(f"{item.where}: unknown complaint reason {reason!r}")
        accusations.append(Accusation(
            item.integer("accused", low=1, high=dkg.MAX_TRUSTEES), reason,
            item.raw("signature", size=SIGNATURE_BYTES)))
    if not accusations:
        raise FormatError(f"{doc.where}: field complaints must not be empty")
    index = doc.integer("index", low=1, high=dkg.MAX_TRUSTEES)
    return doc.raw("ctx", size=CTX_BYTES), index, accusations


def load_complaint(path: Path) -> tuple[bytes, int, list[Accusation]]:
    """Read a complaint file."""
    return parse_complaint(read_document(path, "complaint"))


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
