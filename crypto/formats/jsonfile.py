"""Reading and writing the tool's JSON files, and strict field access with clear messages.

Every file is one JSON object with ``"v": 2`` (:data:`VERSION`) and a ``"kind"``. Files are written as canonical
JSON (:func:`crypto.hashing.canonical_json`) plus one newline, never over an existing file, and
secret files with mode 600. Files are read strictly: duplicate keys, unknown keys, floats,
upper-case hex and out-of-range numbers are refused with a message naming the file and field.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import EncodingError
from ..hashing import WIRE_VERSION, canonical_json
from .errors import FileProblem, FormatError

#: The wire format version every file, leaf and record carries as ``"v"`` (docs/protocol.md §1).
VERSION = WIRE_VERSION
MAX_FILE_BYTES = 1 << 30  # a round of 100,000 entries is a few hundred megabytes of JSON
MAX_INT = 2**63 - 1


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_float(text: str) -> Any:
    raise ValueError(f"number {text} is not an integer")


def _integer(text: str) -> int:
    # "-0" reads as 0 in Python; the format has one spelling for every integer (docs/protocol.md §2).
    if text == "-0":
        raise ValueError("-0 is not an integer of the format")
    return int(text)


def parse_json(data: bytes, where: str) -> Any:
    """Parse JSON strictly (UTF-8, no duplicate keys, no floats, no NaN)."""
    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates,
            parse_float=_no_float, parse_constant=_no_float, parse_int=_integer,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"{where} is not valid JSON: {exc}") from exc


# --- reading a large file without holding all of its text -------------------------------------
#
# ``json.loads`` needs the whole text, and a round package or record of 100,000 entries is about
# half a gigabyte of it: with its bytes, its text and the parsed values alive together, reading
# it would take three times that. :func:`load_json` reads the file a window at a time instead.
# Any value that fits in the window is parsed by the ``json`` module's own scanner with the same
# hooks as :func:`parse_json`; only containers larger than the window (the top-level object and
# the long lists) are walked here, token by token, with the same grammar. The result is the
# value :func:`parse_json` gives for the same bytes, and every input it refuses is refused.

WINDOW_BYTES = 1 << 22
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Whole bytes of lowercase hex and nothing else: bytes.fromhex alone would also take spaces.
_LOWER_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_float=_no_float,
                            parse_constant=_no_float, parse_int=_integer)
_SCALAR_MARGIN = 64  # a scalar ending this close to the window's end may continue past it


class _Window:
    """The text of a binary file, a window at a time, with a read position."""

    def __init__(self, handle: BinaryIO, where: str, size_name: str, window_bytes: int) -> None:
        self.handle, self.where, self.window_bytes = handle, where, window_bytes
        self.size_name = size_name
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text, self.pos, self.base, self.size, self.eof = "", 0, 0, 0, False

    def fill(self) -> bool:
        """Append the next part of the file to the window; False at the end of the file."""
        if self.eof:
            return False
        data = self.handle.read(self.window_bytes)
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            raise FileProblem(f"{self.size_name} is larger than {MAX_FILE_BYTES} bytes")
        try:
            more = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise FormatError(f"{self.where} is not valid JSON: {exc}") from exc
        self.eof = not data
        self.base += self.pos
        self.text = self.text[self.pos:] + more
        self.pos = 0
        return bool(data)

    def fail(self, message: str, at: int | None = None) -> FormatError:
        offset = self.base + (self.pos if at is None else at)
        return FormatError(f"{self.where} is not valid JSON: {message} (char {offset})")

    def skip_whitespace(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]  # a starred pattern always matches
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def scan(self) -> tuple[bool, Any]:
        """Parse one whole value at the position: ``(True, value)``, or ``(False, None)`` for
        a list or object that goes on past the window (the caller walks it). A value the window
        may cut short (a string, number or literal at its end) is read further first."""
        while True:
            try:
                value, end = _DECODER.scan_once(self.text, self.pos)  # type: ignore[attr-defined]  # set by JSONDecoder.__init__, not in typeshed
            except StopIteration as stop:
                error, at = "Expecting value", stop.value
            except json.JSONDecodeError as exc:
                error, at = exc.msg, exc.pos
            except (ValueError, RecursionError) as exc:  # a hook refused it, or too deep
                raise self.fail(str(exc)) from exc
            else:
                if self.eof or end + _SCALAR_MARGIN < len(self.text) \
                        or self.text[self.pos] in "{[\"":
                    self.pos = end
                    return True, value
                self.fill()  # a number or literal may go on in the next part
                continue
            cut_short = error.startswith("Unterminated string") or \
                at + _SCALAR_MARGIN >= len(self.text)
            if self.eof or not cut_short:
                raise self.fail(error, at)
            if self.text[self.pos] in "{[":
                return False, None
            self.fill()

    def expect(self, allowed: str, message: str) -> str:
        char = self.skip_whitespace()
        if not char or char not in allowed:
            raise self.fail(message)
        self.pos += 1
        return char

    def value(self) -> Any:
        """The next value (whitespace before it skipped)."""
        char = self.skip_whitespace()
        if not char:
            raise self.fail("Expecting value")
        whole, value = self.scan()
        if whole:
            return value
        return self.container(char)

    def container(self, opening: str) -> Any:
        """A list or object larger than the window, walked element by element."""
        self.pos += 1
        closing = "]" if opening == "[" else "}"
        items: list[Any] = []
        if self.skip_whitespace() == closing:
            self.pos += 1
            return items if opening == "[" else _no_duplicates([])
        while True:
            if opening == "[":
                items.append(self.value())
            else:
                if self.skip_whitespace() != '"':
                    raise self.fail("Expecting property name enclosed in double quotes")
                key = self.value()
                self.expect(":", "Expecting ':' delimiter")
                items.append((key, self.value()))
            if self.expect("," + closing, "Expecting ',' delimiter") == closing:
                break
        if opening == "[":
            return items
        try:
            return _no_duplicates(items)
        except ValueError as exc:
            raise self.fail(str(exc)) from exc


def load_json(handle: BinaryIO, where: str, *, size_name: str | None = None,
              window_bytes: int = WINDOW_BYTES) -> Any:
    """:func:`parse_json` of everything ``handle`` holds, read a window at a time, so that a
    large file's text is never held in memory all at once. At most :data:`MAX_FILE_BYTES`
    are read (a :class:`FileProblem` names ``size_name``, by default ``where``, beyond)."""
    window = _Window(handle, where, size_name or where, window_bytes)
    window.fill()
    try:
        value = window.value()
    except RecursionError as exc:
        raise window.fail("too deeply nested") from exc
    if window.skip_whitespace():
        raise window.fail("Extra data")
    return value


def read_json(path: Path, where: str | None = None) -> Any:
    """The parsed JSON of a file (:func:`load_json`; messages name it ``where``, by default
    its path), or a :class:`FileProblem` naming the file."""
    try:
        with open(path, "rb") as handle:
            return load_json(handle, str(path) if where is None else where,
                             size_name=str(path))
    except FileNotFoundError as exc:
        raise FileProblem(f"{path} does not exist") from exc
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror}") from exc


def read_bytes(path: Path) -> bytes:
    """The bytes of an input file, or a :class:`FileProblem` naming it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise FileProblem(f"{path} does not exist") from exc
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    return data


def parse_document(data: bytes, where: str, kind: str | Iterable[str]) -> Obj:
    """Parse a document (e.g. an upload), check ``v == VERSION`` and that its ``kind`` is one of
    ``kind``; ``where`` names it in messages."""
    return check_document(parse_json(data, where), where, kind)


def check_document(value: Any, where: str, kind: str | Iterable[str]) -> Obj:
    """Parsed JSON as a document: ``v == VERSION`` and a ``kind`` among ``kind``."""
    kinds = {kind} if isinstance(kind, str) else set(kind)
    doc = Obj(value, where)
    if not doc.is_version(VERSION):
        raise FormatError(f"{where}: field v must be {VERSION}")
    if doc.data.get("kind") not in kinds:
        raise FormatError(
            f"{where} is not a {' or '.join(sorted(kinds))} file (kind is {doc.data.get('kind')!r})"
        )
    return doc


def read_document(path: Path, kind: str | Iterable[str]) -> Obj:
    """Read a file (:func:`read_json`) and check it as :func:`parse_document` does."""
    return check_document(read_json(path), str(path), kind)


def expect(doc: Obj, kind: str, required: Iterable[str], optional: Iterable[str] = ()) -> Obj:
    """Check that ``doc`` is a version :data:`VERSION` ``kind`` document with exactly these fields
    (``v`` and ``kind`` are implied)."""
    if not doc.is_version(VERSION) or doc.data.get("kind") != kind:
        raise FormatError(f"{doc.where} is not a version {VERSION} {kind} file")
    return doc.exact_keys({"v", "kind", *required}, optional)


def ensure_absent(*paths: Path) -> None:
    """Refuse early if an output file already exists (nothing is ever overwritten)."""
    for path in paths:
        if os.path.lexists(path):
            raise FileProblem(f"{path} already exists; refusing to overwrite it")


def write_document(path: Path, doc: Mapping[str, Any], *, secret: bool = False) -> None:
    """Write ``doc`` as canonical JSON and a newline to a new file (mode 600 if ``secret``)."""
    try:
        data = canonical_json(doc) + b"\n"
    except EncodingError as exc:  # a bug, not an input problem: say so plainly
        raise FormatError(f"cannot encode {path}: {exc}") from exc
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600 if secret else 0o644)
    except FileExistsError as exc:
        raise FileProblem(f"{path} already exists; refusing to overwrite it") from exc
    except OSError as exc:
        raise FileProblem(f"cannot create {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror}") from exc


def unhex(value: object, where: str, *, size: int | None = None, max_size: int = 1 << 20) -> bytes:
    """Lowercase, even-length hex to bytes, optionally of an exact ``size``."""
    if not isinstance(value, str) or not _LOWER_HEX.fullmatch(value):
        raise FormatError(f"{where} must be lowercase hex")
    raw = bytes.fromhex(value)
    if size is not None and len(raw) != size:
        raise FormatError(f"{where} must be {size} bytes")
    if len(raw) > max_size:
        raise FormatError(f"{where} is longer than {max_size} bytes")
    return raw


class Obj:
    """A JSON object read from ``where``, with typed accessors that name the field on failure."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise FormatError(f"{where} must be a JSON object")
        self.data: dict[str, Any] = data
        self.where = where

    def _name(self, key: str) -> str:
        return f"{self.where}: field {key}"

    def exact_keys(self, required: Iterable[str], optional: Iterable[str] = ()) -> Obj:
        """Refuse missing required keys and any key not listed."""
        required, allowed = set(required), set(required) | set(optional)
        missing = sorted(required - self.data.keys())
        if missing:
            raise FormatError(f"{self.where}: missing field {missing[0]}")
        unknown = sorted(self.data.keys() - allowed)
        if unknown:
            raise FormatError(f"{self.where}: unknown field {unknown[0]}")
        return self

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise FormatError(f"{self.where}: missing field {key}")
        return self.data[key]

    def is_version(self, version: int) -> bool:
        """Whether field ``v`` is exactly the integer ``version`` (JSON ``true`` is not 1)."""
        value = self.data.get("v")
        return type(value) is int and value == version

    def has(self, key: str) -> bool:
        """Whether ``key`` is present and not null."""
        return self.data.get(key) is not None

    def integer(self, key: str, *, low: int = 0, high: int = MAX_INT) -> int:
        """An integer field in ``[low, high]``."""
        value = self._get(key)
        if type(value) is not int or not low <= value <= high:
            raise FormatError(f"{self._name(key)} must be an integer from {low} to {high}")
        return value

    def text(self, key: str, *, max_len: int = 10_000) -> str:
        """A string field of 1..``max_len`` characters, all Unicode scalar values (a lone
        surrogate escape such as ``"\\ud800"`` is refused)."""
        value = self._get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= max_len:
            raise FormatError(f"{self._name(key)} must be a string of 1 to {max_len} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError(f"{self._name(key)} holds a lone surrogate, which is not text") from None
        return value

    def raw(self, key: str, *, size: int | None = None, max_size: int = 1 << 20) -> bytes:
        """A lowercase hex field, optionally of an exact byte ``size``."""
        return unhex(self._get(key), self._name(key), size=size, max_size=max_size)

    def child(self, key: str) -> Obj:
        """A nested object."""
        return Obj(self._get(key), self._name(key))

    def array(self, key: str) -> list[Any]:
        """A list field."""
        value = self._get(key)
        if not isinstance(value, list):
            raise FormatError(f"{self._name(key)} must be a list")
        return value

    def objects(self, key: str) -> list[Obj]:
        """A list of objects, each named ``key[i]`` in messages."""
        return [Obj(item, f"{self._name(key)}[{i}]") for i, item in enumerate(self.array(key))]
