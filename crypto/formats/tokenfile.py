"""The signer's tokens file (docs/affiliation-api.md §5), shared in shape with the browser::

    {"v": 2, "kind": "pledge-tokens", "tokens": [
      {"campaign": "<public id>", "slug": "...", "title": "...", "lab": "<lab slug>",
       "token_key": "<SPKI DER hex>", "prepared": "<hex>", "signature": "<hex>"}, ...]}

The prepared message *is* the token: whoever holds it with its signature can sign once in that
campaign. So the file is written with mode 600, atomically (a temporary file in the same folder,
fsynced, then renamed over the old one), and an existing token is never replaced: one token per
campaign is all a person needs, and the one already kept may be the one about to be used.
Entries already in the file are carried over as they are (a browser export may add fields).

A token that has signed is removed from the file (:func:`remove_token`): it can never sign again,
the signer's receipt is the record of the signature, and the file keeps exactly the shape the
browser imports (which refuses entries with fields it does not know).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..hashing import canonical_json
from .errors import FileProblem, FormatError, NoToken
from .jsonfile import VERSION, Obj, read_document, unhex

KIND = "pledge-tokens"
PUBLIC_ID_BYTES = 16



@dataclass(frozen=True)
class Token:
    """One finalized token, ready to be kept."""

    campaign: str
    slug: str
    title: str
    lab: str
    token_key: bytes
    prepared: bytes
    signature: bytes

    def entry(self) -> dict[str, Any]:
        """The token as a file entry (bytes become lowercase hex)."""
        return {
            "campaign": self.campaign, "slug": self.slug, "title": self.title, "lab": self.lab,
            "token_key": self.token_key.hex(), "prepared": self.prepared.hex(),
            "signature": self.signature.hex(),
        }


@dataclass(frozen=True)
class Merge:
    """The outcome of adding new tokens to a file's entries."""

    entries: list[dict[str, Any]]
    stored: list[Token]
    kept: list[Token]  # new tokens not stored: the file already held one for that campaign


def load_entries(path: Path) -> list[dict[str, Any]]:
    """The entries of an existing tokens file, or ``[]`` if there is none yet.

    The file must be a current-version (``"v": 2``) ``pledge-tokens`` document whose entries each name a campaign
    by its public id, at most once; anything else is refused rather than rewritten.
    """
    if not os.path.lexists(path):
        return []
    if not path.is_file():
        raise FileProblem(f"{path} is not a regular file")
    try:
        return _entries(read_document(path, KIND).exact_keys({"v", "kind", "tokens"}))
    except FormatError as exc:  # never rewrite a file we do not understand
        raise FileProblem(f"{exc}; leaving it alone") from exc


def _entries(doc: Obj) -> list[dict[str, Any]]:
    seen: set[str] = set()
    entries = []
    for item in doc.objects("tokens"):
        campaign = _campaign_id(item)
        if campaign in seen:
            raise FormatError(f"{item.where}: a second token for campaign {campaign}")
        seen.add(campaign)
        entries.append(item.data)
    return entries


def _campaign_id(item: Obj) -> str:
    value = item.text("campaign", max_len=2 * PUBLIC_ID_BYTES)
    unhex(value, f"{item.where}: field campaign", size=PUBLIC_ID_BYTES)
    return value


def token_from_entry(entry: dict[str, Any], where: str) -> Token:
    """A file entry as a :class:`Token`, its fields checked for shape (not its signature)."""
    item = Obj(entry, where)
    return Token(
        campaign=_campaign_id(item), slug=item.text("slug", max_len=200),
        title=item.text("title", max_len=1000), lab=item.text("lab", max_len=255),
        token_key=item.raw("token_key", max_size=4096),
        prepared=item.raw("prepared", max_size=4096),
        signature=item.raw("signature", max_size=4096),
    )


def find_token(path: Path, entries: Sequence[dict[str, Any]], slug: str) -> Token:
    """The token the file holds for the campaign ``slug``: :class:`NoToken` if there is none (a
    token that signed was removed from the file), :class:`FileProblem` if its entry is malformed
    or the slug is ambiguous (tokens of two sites in one file)."""
    found = [(i, e) for i, e in enumerate(entries) if e.get("slug") == slug]
    if not found:
        raise NoToken(f"{path} holds no token for campaign {slug} (a token is removed from the "
                      "file once it has signed)")
    if len(found) > 1:
        raise FileProblem(f"{path} holds more than one token for a campaign called {slug}; "
                          "keep the tokens of each site in its own file")
    index, entry = found[0]
    try:
        return token_from_entry(entry, f"{path}: tokens[{index}]")
    except FormatError as exc:
        raise FileProblem(f"{exc}; leaving it alone") from exc


def remove_token(path: Path, entries: Sequence[dict[str, Any]], campaign: str) -> None:
    """Rewrite the file without the token of ``campaign`` (it has signed), atomically."""
    write_tokens(path, [e for e in entries if e.get("campaign") != campaign])


def merge(entries: Sequence[dict[str, Any]], new: Sequence[Token]) -> Merge:
    """Append the new tokens whose campaign has no entry yet; keep every existing entry."""
    held = {str(entry["campaign"]) for entry in entries}
    out, stored, kept = list(entries), [], []
    for token in new:
        if token.campaign in held:
            kept.append(token)
            continue
        held.add(token.campaign)
        out.append(token.entry())
        stored.append(token)
    return Merge(out, stored, kept)


def check_writable(path: Path) -> None:
    """Fail early, before anything is issued, if the file's folder cannot take a new file."""
    probe = _temporary_name(path)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise FileProblem(f"cannot write in {path.parent}: {exc.strerror}") from exc
    os.close(fd)
    os.unlink(probe)


def write_tokens(path: Path, entries: Sequence[dict[str, Any]]) -> None:
    """Write the whole file atomically with mode 600 (replacing the previous version)."""
    data = canonical_json({"v": VERSION, "kind": KIND, "tokens": list(entries)}) + b"\n"
    temporary = _temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temporary, flags, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    except OSError as exc:
        _remove_quietly(temporary)
        raise FileProblem(f"cannot write {path}: {exc.strerror}") from exc


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
