"""``pledge-sign sign``, ``check`` and ``withdraw`` (docs/pledge-sign.md, docs/signing-api.md).

- ``sign`` checks the campaign key (:mod:`.campaign_check`), shows the pledge and who can see
  what and when, asks for the signature, seals it here (:mod:`.sealing`), writes the receipt
  *before* submitting (so a lost connection never loses the withdrawal key; it is removed again
  if the server refuses), submits, and removes the spent token from the tokens file.
- ``check`` verifies a receipt's inclusion in the signed log (:mod:`.logcheck`).
- ``withdraw`` signs and sends the withdrawal with the receipt's key.

Nothing the signer typed is printed after submission, nor the token, nor the withdrawal secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crypto.formats import files, tokenfile
from crypto.formats import receipt as receipts
from crypto.formats.errors import CheckFailed, FileProblem, FormatError
from crypto.formats.jsonfile import Obj, ensure_absent
from crypto.formats.messages import fingerprint
from crypto.formats.receipt import KeptHead, Receipt

from ..text import printable
from .campaign_check import api_path, fetch_sealing_key
from .errors import BadReply, NothingSent, ServerRefused, ServerUnreachable
from .http import JsonApi
from .logcheck import (
    ReceiptStatus,
    SignedHead,
    check_entry_commitment,
    parse_consistency,
    parse_head,
    parse_leaf_reply,
    parse_status,
    verify_extends,
    verify_head,
    verify_inclusion,
    verify_kept_head,
)
from .sealing import Submission, seal_signature, withdrawal_body
from .signature_form import ask_details, campaign_text, disclosure, summary

Ask = Callable[[str], str]
Say = Callable[[str], None]


def say(text: str = "") -> None:
    """One line of output for the signer."""
    print(text, flush=True)


def ask_input(prompt: str) -> str:
    """Read one line at the keyboard (``input``, looked up when called)."""
    return input(prompt)


def confirm(ask: Ask, prompt: str, yes: bool) -> bool:
    """``--yes``, or a typed ``y``/``yes``; anything else (end of input included) is no."""
    if yes:
        return True
    try:
        return ask(prompt).strip().lower() in ("y", "yes")
    except EOFError:
        return False


# --- sign -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignRequest:
    """The ``sign`` command line: where, which campaign, which files, and any given fields."""

    server: str
    slug: str
    tokens: Path
    receipt_out: Path
    given: dict[str, str | None]
    yes: bool = False
    include_role: bool = False


def _prepare_files(request: SignRequest) -> tuple[list[dict[str, Any]], tokenfile.Token]:
    """The token for the campaign, and a check that both files can be written, before any
    request is made."""
    if not os.path.lexists(request.tokens):
        raise FileProblem(f"{request.tokens} does not exist; run pledge-sign verify first")
    entries = tokenfile.load_entries(request.tokens)
    token = tokenfile.find_token(request.tokens, entries, request.slug)
    ensure_absent(request.receipt_out)
    tokenfile.check_writable(request.receipt_out)
    tokenfile.check_writable(request.tokens)
    return entries, token


def _check_server_receipt(reply: dict[str, Any], ours: Receipt) -> None:
    """The server's receipt names the entry computed here."""
    try:
        theirs = Obj(reply, "the reply to the submission").child("receipt")
        same = (theirs.data.get("campaign") == ours.campaign
                and theirs.data.get("slug") == ours.slug
                and theirs.raw("leaf_hash", size=32) == ours.leaf_hash
                and theirs.raw("nullifier", size=32) == ours.nullifier)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    if not same:
        raise CheckFailed("the server's receipt differs from the one computed here; your receipt "
                          "file keeps the one computed here: check it with pledge-sign check")


def _submit(api: JsonApi, request: SignRequest, entries: list[dict[str, Any]],
            token: tokenfile.Token, submission: Submission) -> None:
    """Write the receipt, POST, and remove the spent token; see the module docstring."""
    out = request.receipt_out
    receipts.write_receipt(out, submission.receipt)
    try:
        reply = api.post(api_path(request.slug, "entries"), submission.body)
    except ServerRefused as exc:
        if exc.status < 500:  # an answer from the API: nothing was stored
            receipts.discard_receipt(out)
            raise
        raise ServerRefused(exc.status, exc.code, f"{exc.message}. The signature may have "
                            f"arrived: the receipt is kept in {out}; run pledge-sign check "
                            f"{out}") from None
    except ServerUnreachable as exc:
        raise ServerUnreachable(f"{exc}. The signature may have arrived: the receipt is kept in "
                                f"{out}; run pledge-sign check {out}") from None
    tokenfile.remove_token(request.tokens, entries, token.campaign)
    _check_server_receipt(reply, submission.receipt)


def run_sign(request: SignRequest, ask: Ask = ask_input, out: Say = say) -> int:
    """The whole ``sign`` step; returns the exit code (raises a
    :class:`~crypto.formats.errors.Refusal`)."""
    entries, token = _prepare_files(request)
    api = JsonApi(request.server)
    key, nullifier = fetch_sealing_key(api, token)
    out(f"Checked: the manifest matches ctx {fingerprint(key.ctx)}; all {key.manifest.n} "
        f"trustees signed the ceremony transcript; the campaign key Y {fingerprint(key.Y)} is "
        "the sum of their commitments.")
    for line in [""] + campaign_text(key) + [""] + disclosure(key) + [""]:
        out(line)
    details = ask_details(ask, out, key.lab_name(), request.given, request.include_role)
    for line in summary(details, key.lab_name()):
        out(line)
    if not confirm(ask, "Seal and submit? [y/N] ", request.yes):
        raise NothingSent("not confirmed; nothing was sent")
    _submit(api, request, entries, token, seal_signature(api.origin, key, token, nullifier,
                                                         details))
    out("")
    out(f"Submitted. Your receipt is in {request.receipt_out} (mode 600). Keep it private: it "
        "shows which entry is yours and opens its lab commitment, and whoever holds it can "
        "withdraw your signature.")
    out(f"The token was removed from {request.tokens}. Your signature joins the campaign log "
        f"with the next batch; then pledge-sign check {request.receipt_out} verifies it is "
        "there.")
    return 0


# --- check ----------------------------------------------------------------------------------


def _served_head(api: JsonApi, receipt: Receipt) -> SignedHead:
    """The head ``log/head`` serves now."""
    try:
        reply = api.get(api_path(receipt.slug, "log", "head"))
    except ServerRefused as exc:
        if exc.status == 404:
            raise CheckFailed("the server gave a signed head with your receipt but serves no "
                              "log head") from None
        raise
    try:
        return parse_head(Obj(reply, "the reply to log/head"))
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def fetch_manifest(api: JsonApi, receipt: Receipt) -> files.Manifest:
    """The manifest the signature was sealed under: the server's manifest, hashed here and
    compared with the ``ctx`` the receipt kept."""
    try:
        reply = Obj(api.get(api_path(receipt.slug, "manifest")), "the campaign's manifest")
        package = files.parse_manifest_package(reply.exact_keys({"manifest", "ctx"}))
    except FormatError as exc:
        raise BadReply(str(exc)) from None
    except CheckFailed as exc:  # ctx does not match the manifest served with it
        raise CheckFailed(f"the server's manifest is not consistent: {exc}") from None
    if package.ctx != receipt.ctx:
        raise CheckFailed("the server serves a manifest other than the one your signature was "
                          "sealed under (its ctx differs from your receipt's); refusing its log")
    return package.manifest


def checked_status(api: JsonApi, receipt: Receipt, log_key: bytes) -> ReceiptStatus:
    """The receipt's status, with its head and inclusion proof verified (one retry if a batch
    was published between the two requests)."""
    for attempt in range(2):
        status = parse_status(api.get(api_path(receipt.slug, "receipts",
                                               receipt.leaf_hash.hex())))
        if status.head is None:
            return status
        verify_head(status.head, receipt.campaign, log_key)
        served = _served_head(api, receipt)
        if served == status.head:
            verify_inclusion(status, receipt.leaf_hash)
            return status
        if attempt or served.size <= status.head.size:
            break
    raise CheckFailed("the head given with your receipt differs from the head the log serves")


def check_extends(api: JsonApi, receipt: Receipt, kept: KeptHead, head: SignedHead,
                  log_key: bytes) -> None:
    """The log the server serves now extends the head the receipt kept."""
    verify_kept_head(kept, receipt.campaign, log_key)
    proof: tuple[bytes, ...] = ()
    if kept.size < head.size:
        query = f"?from={kept.size}&to={head.size}"
        proof = parse_consistency(api.get(api_path(receipt.slug, "log", "consistency") + query),
                                  kept.size, head.size)
    verify_extends(kept, head, proof)


def describe(status: ReceiptStatus) -> str:
    """One line for a verified status."""
    if status.head is None or status.index is None:
        return ("pending: your signature is stored and joins the campaign log with the next "
                "batch")
    where = (f"included at index {status.index} of a log of size {status.head.size}, head "
             f"signed at {status.head.signed_at()}")
    if status.status == "published":
        return f"{where} (head signature and inclusion proof verified)"
    later = (f"the withdrawal is at index {status.withdrawal_index}"
             if status.withdrawal_index is not None
             else "the withdrawal is published with the next batch, and it stops counting then")
    return f"withdrawn: your signature was {where}; {later}"


def checked_commitment(api: JsonApi, receipt: Receipt, index: int, lab: str) -> str:
    """The published leaf at ``index`` commits to the receipt's lab (``lab``: its name): one line
    saying so."""
    query = f"?start={index}&end={index + 1}"
    leaf = parse_leaf_reply(api.get(api_path(receipt.slug, "log", "leaves") + query), index)
    commitment = check_entry_commitment(leaf, receipt)
    return (f"Your entry commits to {printable(lab)}: its lab commitment "
            f"{commitment.hex()} opens with the opening your receipt keeps. The log shows "
            "only the commitment; your lab stays sealed until your entry is revealed.")


def run_check(path: Path, out: Say = say) -> int:
    """The whole ``check`` step: the entry's inclusion and its lab commitment, and that the log
    still extends the head the receipt kept (the first check keeps one)."""
    receipt = receipts.load_receipt(path)
    api = JsonApi(receipt.server)
    manifest = fetch_manifest(api, receipt)
    log_key = manifest.log_key
    status = checked_status(api, receipt, log_key)
    out(describe(status))
    head = status.head
    if head is None or status.index is None:
        return 0
    out(checked_commitment(api, receipt, status.index, manifest.lab_name(receipt.opening.slug)))
    if receipt.head is None:
        receipts.keep_head(path, receipt, KeptHead(head.size, head.timestamp, head.root, head.signature))
        out(f"Kept this signed head in {path}: later checks prove the log still extends it.")
    else:
        check_extends(api, receipt, receipt.head, head, log_key)
        out(f"The log extends the head your receipt kept (size {receipt.head.size}, signed at "
            f"{_when(receipt.head.timestamp)}): nothing before it was rewritten.")
    return 0


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- withdraw -------------------------------------------------------------------------------


def run_withdraw(path: Path, yes: bool = False, ask: Ask = ask_input, out: Say = say) -> int:
    """The whole ``withdraw`` step."""
    receipt = receipts.load_receipt(path)
    out(f"This withdraws your signature from campaign {printable(receipt.slug)} at "
        f"{receipt.server}: the sealed signature is deleted and never decrypted, and it stops "
        "counting with the next batch. It cannot be undone.")
    if not confirm(ask, "Withdraw? [y/N] ", yes):
        raise NothingSent("not confirmed; nothing was sent")
    api = JsonApi(receipt.server)
    reply = api.post(api_path(receipt.slug, "withdrawals"), withdrawal_body(receipt))
    if reply.get("status") != "withdrawn":
        raise BadReply("the server's reply to the withdrawal is not a withdrawal")
    out(printable(reply.get("message") or "Withdrawn."))
    return 0
