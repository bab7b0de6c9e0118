"""Private affiliation verification (docs/affiliation-api.md): email codes, then blind-signed tokens.

The platform learns that someone at lab L verified, and nothing that links it to a signature:
addresses exist here only as the keyed tag ``HMAC(ISSUER_SECRET, address)``; tokens are blind
RSA signatures, so the server never sees the message it signs; the issuance record holds only
``(campaign, identity)``, where the identity is a keyed hash of the lab and the address's local
part (one person per lab, whichever of its domains they use).

Which addresses a campaign accepts, and for which lab, is fixed by its manifest: the labs and
domains copied from the lab registry when it was frozen. Changing the registry later (adding,
removing or moving a domain) changes nothing for campaigns already frozen; the live registry is
consulted only for a campaign without a manifest, which cannot be accepting signatures anyway.

Nobody else can stop a signer from verifying (docs/rate-limits.md): every code is checkable only
with the handle its ``start`` returned, codes live side by side, each has its own guess budget,
and the per-address send cap is counted per requesting network (by the caller, in
:mod:`pledge.ratelimit`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crypto import blindrsa
from crypto.errors import CryptoError
from pledge.database import changed_rows, insert_if_absent
from pledge.models import (
    Campaign,
    IssuanceCount,
    Lab,
    LabDomain,
    Role,
    TokenIssuance,
    User,
    UserRole,
    VerificationCode,
    present,
)
from pledge.services.addresses import AddressError, split_address
from pledge.services.errors import BadRequest, ServiceError
from pledge.services.keys import token_private_key
from pledge.services.notify import Outgoing
from pledge.services.schema import hex_field

CODE_LIFETIME = timedelta(minutes=10)
TICKET_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODE_RE = re.compile(r"^[0-9]{8}$")
#: A handle is 32 random bytes, URL-safe base64 without padding (43 characters).
HANDLE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class AffiliationError(ServiceError):
    """A refusal with an API error code (``code``) and a message for the signer."""

    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class InvalidAddress(AffiliationError):
    code = "invalid_address"


class NotEligible(AffiliationError):
    code = "not_eligible"


class Busy(AffiliationError):
    code = "busy"


class WrongCode(AffiliationError):
    code = "wrong_code"
    keeps_changes = True  # the attempt was counted before the guess was looked at

    def __init__(self) -> None:
        super().__init__(
            "That code is not right, or it has expired or been used. Check the latest email, or ask for a new code."
        )


class InvalidCode(AffiliationError):
    code = "invalid_code"


class InvalidHandle(AffiliationError):
    code = "invalid_handle"

    def __init__(self) -> None:
        super().__init__("This code request is not known to this page. Ask for a new code.")


class TicketInvalid(AffiliationError):
    code = "ticket_invalid"

    def __init__(self) -> None:
        super().__init__("This verification has expired or was already used. Start again with your address.")


class AlreadyIssued(AffiliationError):
    code = "already_issued"

    def __init__(self) -> None:
        super().__init__(
            "This address already received its tokens for every open campaign of its lab. Tokens are "
            "issued once per person and lab (one name at any of the lab's domains); if you lost them, "
            "import the file you exported."
        )


@dataclass(frozen=True)
class Limits:
    """The site-wide send cap per hour. (The cap per address and requesting network is counted
    by the caller, which knows the network: :func:`pledge.ratelimit.allowed_per_client`.)"""

    site_per_hour: int = 2000


@dataclass(frozen=True)
class StartOutcome:
    """What ``start`` decided. ``code`` is None when nothing is to be sent (address capped); the
    handle is returned to the requester either way (unrecorded when nothing was sent)."""

    address: str
    code: str | None
    handle: str


@dataclass(frozen=True)
class Ticket:
    """A correct code's reward: a single-use ticket and the campaigns it may ask tokens for."""

    secret: str
    lab: Lab
    campaigns: list[Campaign]


@dataclass(frozen=True)
class Issued:
    """Blind signatures by campaign public id, and campaigns skipped as already issued."""

    signatures: dict[str, bytes]
    already_issued: list[str]
    lab: Lab
    campaigns: list[Campaign]


# --- addresses ------------------------------------------------------------------------------


def normalize_address(raw: object) -> str:
    """Lower-case, trimmed, ``+tag`` removed, IDNA domain; anything but one plain mailbox refused
    (see :mod:`pledge.services.addresses`: header syntax would let one mailbox take several tokens)."""
    if not isinstance(raw, str) or len(raw) > 320:
        raise InvalidAddress("Enter your work email address.")
    if any(ch in raw for ch in "\r\n\0"):
        raise InvalidAddress("That address contains characters an address cannot have.")
    try:
        local, domain = split_address(raw)
    except AddressError:
        raise InvalidAddress(
            "Enter a single plain work email address, like name@lab.example (letters, digits, dots, "
            "hyphens and underscores before the @)."
        ) from None
    local = local.split("+", 1)[0]
    if not local:
        raise InvalidAddress("Enter a single plain work email address, like name@lab.example.")
    return f"{local}@{domain}"


def address_tag(issuer_secret: bytes, address: str) -> bytes:
    """``HMAC-SHA256(ISSUER_SECRET, normalised address)``: the only form an address is kept in."""
    return hmac.new(issuer_secret, address.encode("utf-8"), hashlib.sha256).digest()


def identity_tag(issuer_secret: bytes, lab_slug: str, address: str) -> bytes:
    """The issuance identity of a normalised address at a lab: ``HMAC-SHA256(ISSUER_SECRET,
    "pledge-identity/v1" || lab slug || local part)``. The domain is left out, so one local part
    at any of a lab's domains is one person for issuance (docs/threat-model.md)."""
    local = address.rpartition("@")[0]
    message = b"pledge-identity/v1\x00" + lab_slug.encode("utf-8") + b"\x00" + local.encode("utf-8")
    return hmac.new(issuer_secret, message, hashlib.sha256).digest()


def new_handle() -> str:
    """An unguessable handle for one code request (256 bits)."""
    return secrets.token_urlsafe(32)


def _handle_hash(handle: str) -> bytes:
    return hashlib.sha256(b"pledge-handle/v1\x00" + handle.encode("ascii", "replace")).digest()


def _code_hash(issuer_secret: bytes, tag: bytes, code: str) -> bytes:
    return hmac.new(issuer_secret, b"code|" + tag + code.encode("ascii"), hashlib.sha256).digest()


def _ticket_hash(ticket: str, domain: str | None) -> bytes:
    """What is stored of a ticket: a hash of it and of the domain its code was sent to (so
    issuance knows the domain, which is never stored). ``None`` is the form of tickets made before
    tickets carried their domain."""
    if domain is None:
        return hashlib.sha256(ticket.encode("ascii", "replace")).digest()
    return hashlib.sha256(b"pledge-ticket/v2\x00" + ticket.encode("ascii", "replace") + b"\x00"
                          + domain.encode("ascii", "replace")).digest()


@lru_cache(maxsize=256)
def _manifest_domains(manifest: str) -> dict[str, str]:
    """Each domain of a manifest and the slug of its lab (a manifest never changes once frozen)."""
    labs = json.loads(manifest)["labs"]
    return {domain: lab["slug"] for lab in labs for domain in lab["domains"]}


def campaign_domains(campaign: Campaign) -> dict[str, str]:
    """The email domains a campaign accepts, each with its lab's slug: those of its manifest, for
    the campaign's whole life. (A campaign without a manifest, which accepts no signature, follows
    the live registry.)"""
    if campaign.manifest is not None:
        return _manifest_domains(campaign.manifest)
    return {domain: link.lab.slug for link in campaign.lab_links for domain in link.lab.domain_names}


def open_campaigns(session: Session, now: datetime) -> list[Campaign]:
    """Every campaign accepting signatures right now, in a stable order."""
    return list(session.scalars(select(Campaign).where(Campaign.accepting_at(now)).order_by(Campaign.public_id)))


def campaigns_for(session: Session, lab: Lab, domain: str | None, now: datetime) -> list[Campaign]:
    """Open campaigns whose manifest lists ``domain`` under ``lab``, in a stable order (with
    ``domain`` None, every open campaign whose manifest lists the lab: tickets made before tickets
    carried their domain)."""
    if domain is None:
        return [c for c in open_campaigns(session, now) if lab.slug in campaign_domains(c).values()]
    return [c for c in open_campaigns(session, now) if campaign_domains(c).get(domain) == lab.slug]


def eligible_lab(session: Session, address: str, now: datetime) -> Lab:
    """The lab an open campaign's manifest gives the address's domain.

    Should open campaigns give the domain to different labs (it moved between labs in the
    registry between their freezes), the code is for the lab the registry gives it now if that is
    one of them, else for the first of them by slug."""
    domain = address.rpartition("@")[2]
    slugs = {slug for c in open_campaigns(session, now) if (slug := campaign_domains(c).get(domain)) is not None}
    if not slugs:
        raise NotEligible(f"Addresses at {domain} are not eligible for any open campaign.")
    live = session.scalar(select(Lab.slug).join(LabDomain).where(LabDomain.domain == domain))
    slug = live if live in slugs else min(slugs)
    return present(session.scalar(select(Lab).where(Lab.slug == slug)), "the manifest's lab")


# --- codes ----------------------------------------------------------------------------------


def _sent_since(session: Session, since_expiry: datetime) -> int:
    # A code expires 10 minutes after it is sent, so "sent in the last hour" is
    # "expires later than 50 minutes ago": no send time needs to be stored.
    query = select(func.count()).select_from(VerificationCode).where(VerificationCode.expires_at > since_expiry)
    return session.scalar(query) or 0


def start_verification(session: Session, raw: object, *, issuer_secret: bytes, now: datetime, limits: Limits,
                       within_address_cap: bool = True) -> StartOutcome:
    """Record a new code for the address unless the caller found it over its cap for the
    requesting network (``within_address_cap``); the caller sends it and returns the handle.

    Earlier live codes for the address stay valid: each is checked only with its own handle."""
    address = normalize_address(raw)
    lab = eligible_lab(session, address, now)
    window = now - timedelta(hours=1) + CODE_LIFETIME
    if _sent_since(session, window) >= limits.site_per_hour:
        raise Busy("Too many verification emails are going out right now. Please try again in an hour.")
    handle = new_handle()
    if not within_address_cap:
        return StartOutcome(address, None, handle)  # the same answer; the handle opens nothing
    tag = address_tag(issuer_secret, address)
    code = f"{secrets.randbelow(10**8):08d}"
    session.add(VerificationCode(tag=tag, identity=identity_tag(issuer_secret, lab.slug, address), lab_id=lab.id,
                                 handle_hash=_handle_hash(handle), code_hash=_code_hash(issuer_secret, tag, code),
                                 expires_at=now + CODE_LIFETIME))
    session.flush()
    return StartOutcome(address, code, handle)


def check_code(session: Session, raw: object, code: object, handle: object, *, issuer_secret: bytes,
               now: datetime) -> Ticket:
    """Evaluate one guess against the code sent with ``handle``. Raises :class:`WrongCode` after
    recording the attempt (commit it). The code is looked up by its handle alone: who does not
    hold the handle cannot reach the code, so cannot spend its guesses."""
    address = normalize_address(raw)
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        raise InvalidCode("Enter the 8-digit code from the email.")
    if not isinstance(handle, str) or not HANDLE_RE.match(handle):
        raise InvalidHandle()
    code = code.strip()
    domain = address.rpartition("@")[2]
    tag = address_tag(issuer_secret, address)
    row = session.scalar(
        select(VerificationCode)
        .where(VerificationCode.handle_hash == _handle_hash(handle), VerificationCode.tag == tag,
               VerificationCode.consumed.is_(False), VerificationCode.expires_at > now,
               VerificationCode.attempts < MAX_ATTEMPTS)
    )
    if row is None:
        raise WrongCode()
    # The attempt counts before the guess is looked at, atomically: concurrent guesses cannot
    # exceed MAX_ATTEMPTS evaluations between them.
    counted = changed_rows(
        session,
        update(VerificationCode).where(VerificationCode.id == row.id, VerificationCode.attempts < MAX_ATTEMPTS)
        .values(attempts=VerificationCode.attempts + 1),
    )
    if counted != 1:
        raise WrongCode()
    if not hmac.compare_digest(row.code_hash, _code_hash(issuer_secret, tag, code)):
        raise WrongCode()
    ticket = secrets.token_urlsafe(32)
    spent = changed_rows(
        session,
        update(VerificationCode).where(VerificationCode.id == row.id, VerificationCode.consumed.is_(False))
        .values(consumed=True, ticket_hash=_ticket_hash(ticket, domain), ticket_expires_at=now + TICKET_LIFETIME),
    )
    if spent != 1:
        raise WrongCode()
    lab = _lab_of(session, row)
    return Ticket(ticket, lab, campaigns_for(session, lab, domain, now))


def _lab_of(session: Session, row: VerificationCode) -> Lab:
    """The lab a code was sent for (a foreign key: the lab exists)."""
    return present(session.get(Lab, row.lab_id), "the code's lab")


# --- issuance ---------------------------------------------------------------------------------


def _parse_requests(requests: object) -> dict[str, bytes]:
    if not isinstance(requests, list) or not requests or len(requests) > 100:
        raise AffiliationError("Send one blinded message for each listed campaign.")
    parsed: dict[str, bytes] = {}
    for item in requests:
        if not isinstance(item, dict) or set(item) != {"campaign", "blinded"}:
            raise AffiliationError("Each request needs exactly a campaign and a blinded message.")
        campaign, blinded = item["campaign"], item["blinded"]
        if not isinstance(campaign, str) or not isinstance(blinded, str) or campaign in parsed:
            raise AffiliationError("Each campaign may be named once, with a hex blinded message.")
        try:
            parsed[campaign] = hex_field(blinded, "blinded")
        except BadRequest:
            raise AffiliationError("A blinded message is not hex.") from None
    return parsed


def _claim_issuance(session: Session, campaign: Campaign, row: VerificationCode) -> bool:
    """Record (campaign, identity) unless already there; True if this call recorded it.

    A record under the address's own tag (how issuance was recorded before identities) counts
    as issued too, so upgrading never issues an address's tokens twice."""
    legacy = session.get(TokenIssuance, (campaign.id, row.tag))
    if legacy is not None:
        return False
    return insert_if_absent(session, TokenIssuance, campaign_id=campaign.id, tag=row.identity)


def _count(session: Session, campaign: Campaign, lab: Lab, now: datetime) -> IssuanceCount:
    row = session.get(IssuanceCount, (campaign.id, lab.id, now.date()))
    if row is None:
        row = IssuanceCount(campaign_id=campaign.id, lab_id=lab.id, day=now.date(), issued=0, alarmed=False)
        session.add(row)
    row.issued += 1
    return row


def issue_tokens(session: Session, ticket: object, requests: object, *, token_key_secret: bytes, now: datetime) -> Issued:
    """Blind-sign one token per listed campaign not issued to this identity before; spend the
    ticket. The campaigns are those whose manifest lists the code's domain under the code's lab."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        raise TicketInvalid()
    # The stored hash covers the domain the code was sent to: try each domain an open campaign
    # accepts (and the form of tickets made before tickets carried a domain).
    open_now = open_campaigns(session, now)
    domains = sorted({domain for c in open_now for domain in campaign_domains(c)})
    hashes: dict[bytes, str | None] = {_ticket_hash(ticket, domain): domain for domain in domains}
    hashes[_ticket_hash(ticket, None)] = None
    row = session.scalar(select(VerificationCode).where(VerificationCode.ticket_hash.in_(list(hashes))))
    if row is None or row.ticket_hash is None or row.ticket_expires_at is None or row.ticket_expires_at <= now:
        raise TicketInvalid()
    ticket_hash = row.ticket_hash
    spent = changed_rows(
        session,
        update(VerificationCode).where(VerificationCode.id == row.id, VerificationCode.ticket_hash == ticket_hash)
        .values(ticket_hash=None, ticket_expires_at=None),
    )
    if spent != 1:
        raise TicketInvalid()
    parsed = _parse_requests(requests)
    lab = _lab_of(session, row)
    campaigns = campaigns_for(session, lab, hashes[ticket_hash], now)
    if set(parsed) != {c.public_id for c in campaigns}:
        raise AffiliationError("Ask for a token for every listed campaign at once, and for no other.")
    signatures: dict[str, bytes] = {}
    skipped: list[str] = []
    for campaign in campaigns:
        if not _claim_issuance(session, campaign, row):
            skipped.append(campaign.public_id)
            continue
        link = next(link for link in campaign.lab_links if link.lab_id == lab.id)
        try:
            signatures[campaign.public_id] = blindrsa.blind_sign(
                token_private_key(campaign, link, token_key_secret), parsed[campaign.public_id]
            )
        except CryptoError:
            raise AffiliationError("A blinded message is not the right size for its campaign's key.") from None
        _count(session, campaign, lab, now)
    if not signatures:
        raise AlreadyIssued()
    session.flush()
    return Issued(signatures, skipped, lab, campaigns)


# --- burst alarms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    """A lab whose issuance today jumped far above its usual daily rate."""

    campaign: Campaign
    lab: Lab
    today: int
    usual: float


def detect_bursts(session: Session, issued: Issued, now: datetime, *, factor: float, minimum: int) -> list[Burst]:
    """Flag (once a day) labs whose issuance today is at least ``minimum`` and ``factor`` times
    their average over the previous seven days; sets the campaign's alarm flag."""
    bursts = []
    for campaign in issued.campaigns:
        today = session.get(IssuanceCount, (campaign.id, issued.lab.id, now.date()))
        if today is None or today.alarmed:
            continue
        week = [now.date() - timedelta(days=d) for d in range(1, 8)]
        history = session.scalars(
            select(IssuanceCount.issued).where(
                IssuanceCount.campaign_id == campaign.id, IssuanceCount.lab_id == issued.lab.id,
                IssuanceCount.day.in_(week))
        ).all()
        usual = sum(history) / 7
        if today.issued >= max(minimum, factor * usual):
            today.alarmed = True
            campaign.issuance_alarm_at = now
            bursts.append(Burst(campaign, issued.lab, today.issued, usual))
    session.flush()
    return bursts


def alarm_emails(session: Session, bursts: list[Burst]) -> list[Outgoing]:
    """One message to every active admin about unusual issuance."""
    admins = session.scalars(select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.active.is_(True)))
    return [
        Outgoing(to=admin.email, subject="Pledge: unusual token issuance", template="issuance_alarm",
                 context={"bursts": bursts})
        for admin in admins
    ]


def issue_tokens_and_watch(session: Session, ticket: object, requests: object, *, token_key_secret: bytes,
                           now: datetime, factor: float, minimum: int) -> tuple[Issued, list[Outgoing]]:
    """:func:`issue_tokens`, then :func:`detect_bursts`: the tokens, and the alarm mail to send
    once they are committed (none without a burst)."""
    issued = issue_tokens(session, ticket, requests, token_key_secret=token_key_secret, now=now)
    bursts = detect_bursts(session, issued, now, factor=factor, minimum=minimum)
    return issued, alarm_emails(session, bursts) if bursts else []


def issuance_report(session: Session, since_days: int, now: datetime) -> list[IssuanceCount]:
    """Issuance counters of the last ``since_days`` days, newest first (admins only)."""
    first = now.date() - timedelta(days=since_days)
    return list(session.scalars(
        select(IssuanceCount).where(IssuanceCount.day >= first)
        .order_by(IssuanceCount.day.desc(), IssuanceCount.campaign_id, IssuanceCount.lab_id)
    ))


@dataclass(frozen=True)
class IssuanceOverview:
    """The admin's view of issuance: the counters, what they refer to, and flagged campaigns."""

    rows: list[IssuanceCount]
    campaigns: dict[int, Campaign]
    labs: dict[int, Lab]
    alarmed: list[Campaign]


def issuance_overview(session: Session, since_days: int, now: datetime) -> IssuanceOverview:
    """:func:`issuance_report` with the campaigns and labs it names, and the flagged campaigns."""
    campaigns = {c.id: c for c in session.scalars(select(Campaign))}
    return IssuanceOverview(
        rows=issuance_report(session, since_days, now), campaigns=campaigns,
        labs={lab.id: lab for lab in session.scalars(select(Lab))},
        alarmed=[c for c in campaigns.values() if c.issuance_alarm_at is not None],
    )
