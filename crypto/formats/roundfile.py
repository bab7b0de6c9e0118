"""The reveal round's files: the round package and the openings package (at an expiry) the web
app serves, and the partials file a trustee uploads (see ``docs/trustee-files.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import dkg, reveal, seal
from ..errors import EncodingError
from ..merkle import HASH_LEN
from ..opening import Opening, parse_opening
from .errors import FormatError
from .files import (
    CTX_BYTES,
    KEY_BYTES,
    SIGNATURE_BYTES,
    Board,
    ManifestPackage,
    parse_board,
    parse_manifest_package,
)
from .jsonfile import VERSION, Obj, expect, read_document, unhex

MAX_LEAF_BYTES = 9216  # docs/protocol.md §11.3
MAX_LOG_ID_BYTES = 255


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head (docs/protocol.md §7)."""

    size: int
    timestamp: int
    root: bytes
    signature: bytes


@dataclass(frozen=True)
class RoundLeaf:
    """One log leaf of the package: its bytes and, for entries in the round, its ciphertext."""

    index: int
    leaf: bytes
    ciphertext: bytes | None


@dataclass(frozen=True)
class RoundPackage:
    """Everything a trustee checks before decrypting a round."""

    package: ManifestPackage
    board: Board
    log_id: bytes
    log_key: bytes
    head: TreeHead
    previous: TreeHead | None
    consistency_proof: list[bytes]
    leaves: list[RoundLeaf]
    #: The opening of every live entry at the head, by leaf index (docs/protocol.md §7).
    openings: dict[int, Opening]

    @property
    def start(self) -> int:
        """Index of the first leaf of this round: the previous head's size, or 0."""
        return self.previous.size if self.previous is not None else 0


def head_doc(head: TreeHead) -> dict[str, Any]:
    """A signed tree head as JSON-ready data."""
    return {"size": head.size, "timestamp": head.timestamp, "root": head.root,
            "signature": head.signature}


def _parse_head(obj: Obj) -> TreeHead:
    obj.exact_keys({"size", "timestamp", "root", "signature"})
    return TreeHead(obj.integer("size"), obj.integer("timestamp"),
                    obj.raw("root", size=HASH_LEN), obj.raw("signature", size=SIGNATURE_BYTES))


def _parse_leaves(doc: Obj, consume: bool) -> list[RoundLeaf]:
    leaves = []
    array = doc.array("leaves")
    for position, item in enumerate(doc.objects("leaves")):
        item.exact_keys({"index", "leaf"}, {"ciphertext"})
        if item.integer("index") != position:
            raise FormatError(f"{item.where}: leaves must be listed by index from 0")
        ciphertext = (item.raw("ciphertext", max_size=seal.CIPHERTEXT_BYTES)
                      if item.has("ciphertext") else None)
        leaves.append(RoundLeaf(position, item.raw("leaf", max_size=MAX_LEAF_BYTES), ciphertext))
        if consume:  # drop the hex as soon as it is read: it is twice the size of the bytes
            array[position] = item.data = None  # type: ignore[assignment]  # dropped once read (see above)
    return leaves


def _parse_previous(doc: Obj) -> tuple[TreeHead | None, list[bytes]]:
    if not doc.has("previous"):
        return None, []
    previous = doc.child("previous").exact_keys({"head", "consistency_proof"})
    proof = [
        unhex(value, f"{previous.where}: field consistency_proof[{i}]", size=HASH_LEN)
        for i, value in enumerate(previous.array("consistency_proof"))
    ]
    return _parse_head(previous.child("head")), proof


def _parse_openings(doc: Obj, size: int) -> dict[int, Opening]:
    """``openings``: ``[{"index", "opening"}]`` by increasing leaf index below ``size``."""
    openings: dict[int, Opening] = {}
    last = -1
    for item in doc.objects("openings"):
        item.exact_keys({"index", "opening"})
        index = item.integer("index")
        if index <= last or index >= size:
            raise FormatError(f"{item.where}: openings must be listed by increasing leaf index, "
                              f"each below the head's size ({size})")
        try:
            openings[index] = parse_opening(item.data["opening"])
        except EncodingError as exc:
            raise FormatError(f"{item.where}: field opening: {exc}") from None
        last = index
    return openings


def openings_doc(openings: Mapping[int, Opening]) -> list[dict[str, Any]]:
    """The ``openings`` list of a package: ``[{"index": i, "opening": {...}}]`` by index."""
    return [{"index": index, "opening": openings[index].doc()} for index in sorted(openings)]


def load_round(path: Path) -> RoundPackage:
    """Read a round package file (a window at a time: a round of 100,000 entries is about
    half a gigabyte of JSON)."""
    return parse_round(read_document(path, "round"), consume=True)


def parse_round(doc: Obj, *, consume: bool = False) -> RoundPackage:
    """A round package (format and ctx only; :mod:`crypto.round_check` checks the rest).

    ``consume``: empty ``doc``'s list of leaves while reading it, to keep memory low.
    """
    expect(doc, "round", {"manifest", "ctx", "board", "log", "head", "leaves", "openings"},
           {"previous"})
    package = parse_manifest_package(doc)
    log = doc.child("log").exact_keys({"id", "public_key"})
    previous, proof = _parse_previous(doc)
    head = _parse_head(doc.child("head"))
    return RoundPackage(
        package=package,
        board=parse_board(doc.child("board"), package.manifest.n),
        log_id=log.raw("id", max_size=MAX_LOG_ID_BYTES),
        log_key=log.raw("public_key", size=KEY_BYTES),
        head=head,
        previous=previous,
        consistency_proof=proof,
        leaves=_parse_leaves(doc, consume),
        openings=_parse_openings(doc, head.size),
    )


def round_doc(
    ceremony: dict[str, Any], board: dict[str, Any], log_id: bytes, log_key: bytes,
    head: TreeHead, leaves: Sequence[RoundLeaf], previous: TreeHead | None = None,
    consistency_proof: Sequence[bytes] = (), *, openings: Mapping[int, Opening],
) -> dict[str, Any]:
    """A round package as the web app serves it (``ceremony`` is a ceremony package dict;
    ``openings`` those of every live entry at ``head``, by leaf index)."""
    return {
        "v": VERSION, "kind": "round", "manifest": ceremony["manifest"], "ctx": ceremony["ctx"],
        "board": board, "log": {"id": log_id, "public_key": log_key}, "head": head_doc(head),
        "previous": None if previous is None else {
            "head": head_doc(previous), "consistency_proof": list(consistency_proof)},
        "leaves": [{"index": leaf.index, "leaf": leaf.leaf, "ciphertext": leaf.ciphertext}
                   for leaf in leaves],
        "openings": openings_doc(openings),
    }


# --- the openings package (an expiry) -------------------------------------------------------


@dataclass(frozen=True)
class OpeningsPackage:
    """What a trustee checks at an expiry before confirming that its share is destroyed: the
    whole log with every signed head, and the opening of every entry, withdrawn ones included
    (docs/protocol.md §8)."""

    package: ManifestPackage
    log_id: bytes
    log_key: bytes
    heads: list[TreeHead]
    leaves: list[bytes]
    openings: dict[int, Opening]


def load_openings(path: Path) -> OpeningsPackage:
    """Read an openings package file."""
    return parse_openings(read_document(path, "openings"))


def parse_openings(doc: Obj) -> OpeningsPackage:
    """An openings package (format and ctx only; :func:`crypto.round_check.check_expiry` checks
    the rest)."""
    expect(doc, "openings", {"manifest", "ctx", "log", "heads", "leaves", "openings"})
    package = parse_manifest_package(doc)
    log = doc.child("log").exact_keys({"id", "public_key"})
    heads = [_parse_head(item) for item in doc.objects("heads")]
    leaves = [unhex(value, f"{doc.where}: field leaves[{i}]", max_size=MAX_LEAF_BYTES)
              for i, value in enumerate(doc.array("leaves"))]
    return OpeningsPackage(
        package=package,
        log_id=log.raw("id", max_size=MAX_LOG_ID_BYTES),
        log_key=log.raw("public_key", size=KEY_BYTES),
        heads=heads,
        leaves=leaves,
        openings=_parse_openings(doc, len(leaves)),
    )


def expiry_doc(
    ceremony: dict[str, Any], log_id: bytes, log_key: bytes, heads: Sequence[TreeHead],
    leaves: Sequence[bytes], openings: Mapping[int, Opening],
) -> dict[str, Any]:
    """An openings package as the web app serves it at an expiry (``ceremony`` is a ceremony
    package dict; ``heads`` every signed head in batch order; ``leaves`` every leaf up to the
    latest head; ``openings`` those of every entry, withdrawn ones included)."""
    return {
        "v": VERSION, "kind": "openings", "manifest": ceremony["manifest"], "ctx": ceremony["ctx"],
        "log": {"id": log_id, "public_key": log_key}, "heads": [head_doc(h) for h in heads],
        "leaves": list(leaves), "openings": openings_doc(openings),
    }


# --- partials -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialRecord:
    """Trustee j's partial decryption ``D_j || c || z`` of the entry at ``leaf_index``."""

    leaf_index: int
    nullifier: bytes
    partial: bytes


@dataclass(frozen=True)
class PartialsFile:
    """What a trustee uploads for a round."""

    ctx: bytes
    index: int
    head_size: int
    head_timestamp: int
    head_root: bytes
    partials: list[PartialRecord]
    withdrawn: list[int]
    #: The trustee's cosignature of the round's head (docs/protocol.md §9), made by ``decrypt``
    #: after its checks; a file without one is still a valid partials file.
    cosignature: bytes | None = None


def partials_doc(p: PartialsFile) -> dict[str, Any]:
    """A partials file as JSON-ready data."""
    return {
        "v": VERSION, "kind": "partials", "ctx": p.ctx, "index": p.index,
        "head": {"size": p.head_size, "timestamp": p.head_timestamp, "root": p.head_root},
        "partials": [{"leaf_index": r.leaf_index, "nullifier": r.nullifier, "partial": r.partial}
                     for r in p.partials],
        "withdrawn": list(p.withdrawn),
        **({} if p.cosignature is None else {"cosignature": p.cosignature}),
    }


def load_partials(path: Path) -> PartialsFile:
    """Read a partials file."""
    return parse_partials(read_document(path, "partials"))


def parse_partials(doc: Obj) -> PartialsFile:
    """A partials document (format only: check each proof with
    :func:`crypto.reveal.verify_partial`)."""
    expect(doc, "partials", {"ctx", "index", "head", "partials", "withdrawn"}, {"cosignature"})
    head = doc.child("head").exact_keys({"size", "timestamp", "root"})
    records = []
    for item in doc.objects("partials"):
        item.exact_keys({"leaf_index", "nullifier", "partial"})
        records.append(PartialRecord(item.integer("leaf_index"), item.raw("nullifier", size=32),
                                     item.raw("partial", size=reveal.PARTIAL_BYTES)))
    withdrawn = doc.array("withdrawn")
    if not all(type(i) is int and i >= 0 for i in withdrawn):
        raise FormatError(f"{doc.where}: field withdrawn must list leaf indices")
    return PartialsFile(
        ctx=doc.raw("ctx", size=CTX_BYTES),
        index=doc.integer("index", low=1, high=dkg.MAX_TRUSTEES),
        head_size=head.integer("size"), head_timestamp=head.integer("timestamp"),
        head_root=head.raw("root", size=HASH_LEN), partials=records, withdrawn=withdrawn,
        cosignature=doc.raw("cosignature", size=SIGNATURE_BYTES) if "cosignature" in doc.data else None,
    )
