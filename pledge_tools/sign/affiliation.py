"""The client's side of the affiliation API (docs/affiliation-api.md), step by step.

Each function does one check or one computation and raises a
:class:`~crypto.formats.errors.CheckFailed` (or :class:`~.errors.BadReply`) with a one-line
reason. The rules they enforce:

- a campaign's token key comes from its manifest, only after the manifest's ``ctx`` has been
  recomputed and matched, never from the issuance reply;
- the manifest must be the one of the campaign listed (same public id and slug) and must hold a
  key for the signer's lab;
- one blinded request per listed campaign (cover issuance), each with fresh randomness;
- a blind signature is kept only if it finalizes, which verifies it under the manifest's key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from crypto import blindrsa
from crypto.errors import CryptoError, EncodingError
from crypto.formats.errors import CheckFailed
from crypto.formats.jsonfile import Obj, unhex
from crypto.formats.tokenfile import PUBLIC_ID_BYTES, Token
from crypto.hashing import H, canonical_json

from ..text import printable
from .errors import BadReply
from .http import JsonApi

CTX_BYTES = 32
MAX_TICKET = 1024
#: The handle ``start`` returns: 32 random bytes in URL-safe base64, 43 characters.
HANDLE_RE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Listed:
    """One open campaign as ``/api/verify/check`` lists it."""

    public_id: str
    slug: str
    title: str
    manifest_url: str


@dataclass(frozen=True)
class Verified:
    """A successful ``check``: the single-use ticket, the signer's lab and the campaigns."""

    ticket: str = field(repr=False)
    lab_slug: str
    lab_name: str
    campaigns: list[Listed]


@dataclass(frozen=True)
class CampaignKey:
    """A campaign's token key for one lab, taken from its checked manifest."""

    public_id: str
    slug: str
    title: str
    lab: str
    ctx: bytes
    key_der: bytes
    key: rsa.RSAPublicKey


@dataclass(frozen=True)
class Pending:
    """One blinded request. ``prepared`` becomes the token and ``inv`` unblinds the reply: both
    stay on this machine; only ``blinded`` is sent."""

    campaign: CampaignKey
    prepared: bytes = field(repr=False)
    blinded: bytes
    inv: bytes = field(repr=False)


@dataclass(frozen=True)
class Issued:
    """The ``issue`` reply, checked against what was asked: blind signatures by campaign id,
    campaigns the address received tokens for before, and campaigns the reply left out."""

    signatures: dict[str, bytes]
    already_issued: list[str]
    missing: list[str]


# --- start -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """A ``start`` reply: the message for the signer, and the handle without which the code it
    sent cannot be checked (kept in memory only, for this run)."""

    message: str
    handle: str = field(repr=False)


def parse_start_reply(reply: dict[str, Any]) -> Started:
    """The body of ``start``: a message and a well-formed handle."""
    try:
        doc = Obj(reply, "the reply to /api/verify/start")
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    message = reply.get("message")
    handle = reply.get("handle")
    if not isinstance(handle, str) or not HANDLE_RE.fullmatch(handle):
        raise BadReply(f"{doc.where}: field handle must be 43 URL-safe base64 characters")
    return Started(message=message if isinstance(message, str) else "A code is on its way.", handle=handle)


# --- check -----------------------------------------------------------------------------------


def _public_id(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise BadReply(f"{where} must be a campaign id")
    try:
        unhex(value, where, size=PUBLIC_ID_BYTES)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    return value


def _text(obj: Obj, key: str, max_len: int = 1000) -> str:
    try:
        return obj.text(key, max_len=max_len)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def _listed(item: Obj) -> Listed:
    return Listed(
        public_id=_public_id(item.data.get("id"), f"{item.where}: field id"),
        slug=_text(item, "slug", 200),
        title=_text(item, "title"),
        manifest_url=_text(item, "manifest_url", 2000),
    )


def parse_check_reply(reply: dict[str, Any]) -> Verified:
    """The success body of ``check``: a ticket, the lab, and distinct campaigns."""
    try:
        doc = Obj(reply, "the reply to /api/verify/check")
        lab = doc.child("lab")
        campaigns = [_listed(item) for item in doc.objects("campaigns")]
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    ids = [c.public_id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise BadReply("the server listed a campaign twice")
    return Verified(
        ticket=_text(doc, "ticket", MAX_TICKET), lab_slug=_text(lab, "slug", 200),
        lab_name=_text(lab, "name"), campaigns=campaigns,
    )


# --- manifests -------------------------------------------------------------------------------


def manifest_ctx(manifest: dict[str, Any]) -> bytes:
    """``ctx = H("manifest", canonical_json(manifest); n=32)``, as the server computes it."""
    try:
        return H("manifest", canonical_json(manifest), n=CTX_BYTES)
    except EncodingError as exc:
        raise BadReply(f"the manifest cannot be encoded canonically: {exc}") from None


def _lab_key(manifest: dict[str, Any], lab: str, title: str) -> bytes:
    labs = manifest.get("labs")
    entries = [e for e in labs if isinstance(e, dict)] if isinstance(labs, list) else []
    found = [e for e in entries if e.get("slug") == lab]
    value = found[0].get("token_public_key") if len(found) == 1 else None
    if not isinstance(value, str) or not value:
        raise CheckFailed(f"the manifest of “{printable(title)}” holds no token key for lab "
                          f"{printable(lab)}; refusing to ask for a token")
    return unhex(value, f"the token key of {printable(lab)} in “{printable(title)}”",
                 max_size=4096)


def check_manifest(reply: dict[str, Any], listed: Listed, lab: str) -> CampaignKey:
    """Check a manifest reply for one listed campaign and take the lab's token key from it.

    Refuses a ``ctx`` that is not the hash of the manifest, a manifest of another campaign,
    and a manifest without a usable key for ``lab``.
    """
    manifest, served_ctx = reply.get("manifest"), reply.get("ctx")
    if not isinstance(manifest, dict) or not isinstance(served_ctx, str):
        raise BadReply(f"the manifest reply for “{printable(listed.title)}” is malformed")
    ctx = manifest_ctx(manifest)
    if served_ctx != ctx.hex():
        raise CheckFailed(f"the manifest of “{printable(listed.title)}” does not match its ctx; "
                          "refusing to ask for a token")
    if manifest.get("id") != listed.public_id or manifest.get("slug") != listed.slug:
        raise CheckFailed(f"the server served another campaign's manifest for "
                          f"“{printable(listed.title)}”")
    title = manifest.get("title")
    title = title if isinstance(title, str) and title else listed.title
    key_der = _lab_key(manifest, lab, title)
    try:
        key = blindrsa.load_public_key(key_der)
    except CryptoError:
        raise CheckFailed(f"the token key of {printable(lab)} in “{printable(title)}” is not "
                          "a valid RSA key") from None
    return CampaignKey(listed.public_id, listed.slug, title, lab, ctx, key_der, key)


def fetch_campaign_key(api: JsonApi, listed: Listed, lab: str) -> CampaignKey:
    """GET the campaign's manifest from the same server and check it."""
    return check_manifest(api.get(listed.manifest_url), listed, lab)


# --- issue -----------------------------------------------------------------------------------


def blind_request(campaign: CampaignKey) -> Pending:
    """A fresh token message for (campaign, lab), prepared and blinded under the manifest key."""
    message = blindrsa.token_message(campaign.public_id.encode("ascii"), campaign.lab)
    prepared = blindrsa.prepare(message)
    blinded, inv = blindrsa.blind(campaign.key, prepared)
    return Pending(campaign, prepared, blinded, inv)


def issue_body(ticket: str, pending: list[Pending]) -> dict[str, Any]:
    """The ``issue`` request: the ticket and one blinded message per campaign."""
    return {
        "ticket": ticket,
        "requests": [{"campaign": p.campaign.public_id, "blinded": p.blinded.hex()}
                     for p in pending],
    }


def _signature(item: Obj, asked: set[str]) -> tuple[str, bytes]:
    campaign = _public_id(item.data.get("campaign"), f"{item.where}: field campaign")
    if campaign not in asked:
        raise BadReply(f"the server signed a campaign that was not asked for ({campaign})")
    try:
        return campaign, item.raw("blind_signature", max_size=512)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def parse_issue_reply(reply: dict[str, Any], asked: list[str]) -> Issued:
    """Check the ``issue`` reply names only campaigns asked for, each at most once."""
    doc = Obj(reply, "the reply to /api/verify/issue")
    wanted = set(asked)
    try:
        pairs = [_signature(item, wanted) for item in doc.objects("signatures")]
        already = [_public_id(v, "already_issued") for v in doc.array("already_issued")]
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    named = [campaign for campaign, _ in pairs] + already
    if len(set(named)) != len(named) or not set(already) <= wanted:
        raise BadReply("the server's reply names a campaign twice or one not asked for")
    return Issued(dict(pairs), already, [c for c in asked if c not in set(named)])


def finalize(pending: Pending, blind_signature: bytes) -> Token:
    """Unblind and verify under the manifest's key; :class:`CheckFailed` if it does not."""
    campaign = pending.campaign
    try:
        signature = blindrsa.finalize(campaign.key, pending.prepared, blind_signature,
                                      pending.inv)
    except CryptoError:
        raise CheckFailed(f"the blind signature for “{printable(campaign.title)}” does not "
                          "verify under the campaign's token key") from None
    return Token(campaign.public_id, campaign.slug, campaign.title, campaign.lab,
                 campaign.key_der, pending.prepared, signature)
