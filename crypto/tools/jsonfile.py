"""Reading and writing the tool's JSON files, and strict field access with clear messages.

Every file is one JSON object with ``"v": 1`` and a ``"kind"``. Files are written as canonical
JSON (:func:`crypto.hashing.canonical_json`) plus one newline, never over an existing file, and
secret files with mode 600. Files are read strictly: duplicate keys, unknown keys, floats,
upper-case hex and out-of-range numbers are refused with a message naming the file and field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import EncodingError
from ..hashing import canonical_json
from .errors import FileProblem, FormatError

VERSION = 1
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


def parse_json(data: bytes, where: str) -> Any:
    """Parse JSON strictly (UTF-8, no duplicate keys, no floats, no NaN)."""
    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates,
            parse_float=_no_float, parse_constant=_no_float,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"{where} is not valid JSON: {exc}") from exc


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
    """Parse a document (e.g. an upload), check ``v == 1`` and that its ``kind`` is one of
    ``kind``; ``where`` names it in messages."""
    kinds = {kind} if isinstance(kind, str) else set(kind)
    doc = Obj(parse_json(data, where), where)
    if not doc.is_version(VERSION):
        raise FormatError(f"{where}: field v must be {VERSION}")
    if doc.data.get("kind") not in kinds:
        raise FormatError(
            f"{where} is not a {' or '.join(sorted(kinds))} file (kind is {doc.data.get('kind')!r})"
        )
    return doc


def read_document(path: Path, kind: str | Iterable[str]) -> Obj:
    """Read a file and check it with :func:`parse_document`."""
    return parse_document(read_bytes(path), str(path), kind)


def expect(doc: Obj, kind: str, required: Iterable[str], optional: Iterable[str] = ()) -> Obj:
    """Check that ``doc`` is a version 1 ``kind`` document with exactly these fields
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
    if not isinstance(value, str) or value != value.lower() or len(value) % 2:
        raise FormatError(f"{where} must be lowercase hex")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise FormatError(f"{where} must be lowercase hex") from exc
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
        """A string field of 1..``max_len`` characters."""
        value = self._get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= max_len:
            raise FormatError(f"{self._name(key)} must be a string of 1 to {max_len} characters")
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
