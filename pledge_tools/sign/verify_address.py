"""``pledge-sign verify``: prove a work address with the emailed code, then obtain and keep one
blind-signed token for every open campaign that accepts the signer's lab (the protocol steps
are :mod:`.affiliation`; the tokens file is :mod:`crypto.formats.tokenfile`).

The code is read at the keyboard, or for scripts and tests only from ``PLEDGE_SIGN_CODE``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from crypto.formats import tokenfile
from crypto.formats.counts import count as plural_count
from crypto.formats.errors import CheckFailed
from crypto.formats.messages import fingerprint

from ..exits import EXIT_NOT_DONE, EXIT_OK
from ..text import printable
from . import affiliation
from .affiliation import CampaignKey, Issued, Pending, Verified
from .errors import ServerRefused
from .http import JsonApi

CODE_ENV_VAR = "PLEDGE_SIGN_CODE"
CODE_TRIES = 3  # at the keyboard; the server evaluates at most 5 guesses per code anyway
CODE_RE = re.compile(r"[0-9]{8,16}")
ADVICE = (
    "You can sign now or later. Signing later, from another network, makes it harder to match "
    "your signature to this verification by its timing."
)

CodeReader = Callable[[int], str]


def say(text: str = "") -> None:
    """One line of progress for the signer."""
    print(text, flush=True)


# --- the code ------------------------------------------------------------------------------


def read_code(attempt: int) -> str:
    """The code from the email. ``PLEDGE_SIGN_CODE``, when set, is used instead of asking: for
    scripts and tests only (another process of the same user can read the environment)."""
    from_env = os.environ.get(CODE_ENV_VAR)
    if from_env is not None:
        if attempt > 1:
            raise CheckFailed(f"the code in {CODE_ENV_VAR} was not accepted")
        return from_env
    prompt = "Code from the email: " if attempt == 1 else "Try the code again: "
    try:
        return input(prompt)
    except EOFError:
        raise CheckFailed("no code was entered") from None


def normalise_code(text: str) -> str | None:
    """The digits of a typed code (spaces and dashes dropped), or ``None`` if it is not one."""
    digits = re.sub(r"[\s-]", "", text)
    return digits if CODE_RE.fullmatch(digits) else None


def check_code(api: JsonApi, email: str, handle: str, ask: CodeReader) -> Verified:
    """Ask for the code until the server accepts it (a few tries at the keyboard, one from the
    environment); a malformed code is refused here and costs none of the server's attempts.
    The code is checked with the handle of the request that sent it."""
    for attempt in range(1, CODE_TRIES + 1):
        code = normalise_code(ask(attempt))
        if code is None:
            if attempt == CODE_TRIES or CODE_ENV_VAR in os.environ:
                raise CheckFailed("that is not a code from the email (8 digits)")
            say("That is not the 8-digit code from the email.")
            continue
        try:
            return affiliation.parse_check_reply(
                api.post("/api/verify/check", {"email": email, "code": code, "handle": handle}))
        except ServerRefused as exc:
            if exc.code != "wrong_code" or attempt == CODE_TRIES or CODE_ENV_VAR in os.environ:
                raise
            say(exc.message)
    raise CheckFailed("the code was not accepted")  # not reached: the loop returns or raises


# --- the steps -----------------------------------------------------------------------------


def fetch_keys(api: JsonApi, verified: Verified) -> list[CampaignKey]:
    """Every listed campaign's manifest, checked; the lab's key from each."""
    keys = []
    for listed in verified.campaigns:
        key = affiliation.fetch_campaign_key(api, listed, verified.lab_slug)
        say(f"  “{printable(key.title)}”: manifest matches ctx {fingerprint(key.ctx)}")
        keys.append(key)
    return keys


def request_tokens(api: JsonApi, ticket: str, pending: list[Pending]) -> Issued | None:
    """POST the blinded messages; ``None`` when the address already received every token."""
    body = affiliation.issue_body(ticket, pending)
    try:
        reply = api.post("/api/verify/issue", body)
    except ServerRefused as exc:
        if exc.code == "already_issued":
            say(exc.message)
            return None
        raise
    return affiliation.parse_issue_reply(reply, [p.campaign.public_id for p in pending])


def finalize_all(
    pending: list[Pending], issued: Issued
) -> tuple[list[tokenfile.Token], list[str]]:
    """Finalize every returned blind signature; return the tokens and the reasons for failures
    (a reply that does not verify is reported, and the tokens that do verify are still kept:
    the server has recorded their issuance and will not sign them again)."""
    tokens, failures = [], []
    for item in pending:
        blind_signature = issued.signatures.get(item.campaign.public_id)
        if blind_signature is None:
            if item.campaign.public_id in issued.missing:
                title = printable(item.campaign.title)
                failures.append(f"the server returned nothing for “{title}”")
            continue
        try:
            tokens.append(affiliation.finalize(item, blind_signature))
        except CheckFailed as exc:
            failures.append(str(exc))
    return tokens, failures


def titles(keys: Sequence[CampaignKey | tokenfile.Token]) -> str:
    """Campaign titles for a one-line report."""
    return ", ".join(f"“{printable(k.title)}”" for k in keys)


def report(out: Path, merged: tokenfile.Merge, keys: list[CampaignKey], issued: Issued) -> None:
    """Say what was stored, what was issued before, and what was not stored (titles only)."""
    count = len(merged.stored)
    if count:
        say(f"Stored {plural_count(count, 'new token')} in {out} (mode 600): "
            f"{titles(merged.stored)}")
    before = [k for k in keys if k.public_id in issued.already_issued]
    if before:
        say(f"This address already received its tokens for {titles(before)}; no new token "
            "for those.")
    if merged.kept:
        say(f"{out} already holds a token for {titles(merged.kept)}; it was kept and the new "
            "one was not stored.")


def run_verify(server: str, email: str, out: Path, ask: CodeReader = read_code) -> int:
    """The whole ``verify`` step; returns the exit code (raises a
    :class:`~crypto.formats.errors.Refusal`)."""
    api = JsonApi(server)
    entries = tokenfile.load_entries(out)
    tokenfile.check_writable(out)  # before any token is issued, so none can be lost
    started = affiliation.parse_start_reply(api.post("/api/verify/start", {"email": email}))
    say(printable(started.message))
    verified = check_code(api, email, started.handle, ask)
    count = len(verified.campaigns)
    if not count:
        say(f"No open campaign accepts {printable(verified.lab_name)} right now.")
        return EXIT_NOT_DONE
    say(f"Verified: {printable(verified.lab_name)}. Asking for a token for each of the "
        f"{plural_count(count, 'open campaign')} that accept your lab, so the server does not "
        "learn which one you care about:")
    keys = fetch_keys(api, verified)
    pending = [affiliation.blind_request(key) for key in keys]
    issued = request_tokens(api, verified.ticket, pending)
    if issued is None:
        return EXIT_NOT_DONE
    tokens, failures = finalize_all(pending, issued)
    merged = tokenfile.merge(entries, tokens)
    if merged.stored:
        tokenfile.write_tokens(out, merged.entries)
    report(out, merged, keys, issued)
    if failures:
        raise CheckFailed("; ".join(failures))
    if merged.stored:
        say(ADVICE)
        return EXIT_OK
    return EXIT_NOT_DONE
