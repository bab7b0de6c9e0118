"""The trustee's own files: the key file, its public half, and the share file.

The key file and the share file hold secrets under a passphrase (:mod:`crypto.passbox`,
Argon2id + SecretBox); the passbox blob is embedded as the JSON object ``box``, which records
its own Argon2id costs, so a file is always opened with the costs it was made with.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.pwhash import argon2id

from .. import dkg, passbox
from ..errors import DecryptionError, EncodingError
from ..hashing import canonical_json
from .errors import CheckFailed, FormatError, UnlockFailed
from .files import CTX_BYTES, KEY_BYTES
from .jsonfile import VERSION, Obj, expect, read_document

KEY_LABEL = b"pledge/v2/trustee-key"
SECRET_BYTES = 64  # Ed25519 seed (32) || X25519 secret key (32)
KDF_COSTS: dict[str, tuple[int, int]] = {
    # name: (opslimit, memlimit). "moderate" is libsodium's recommendation for secrets kept
    # on disk; "interactive" is cheaper (tests, slow machines) and still Argon2id.
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
}
MIN_PASSPHRASE_CHARS = 12


def passphrase_bytes(text: str) -> bytes:
    """A passphrase as the key and share files use it: Unicode NFC, then UTF-8, so that the
    same passphrase typed on different systems gives the same bytes."""
    return unicodedata.normalize("NFC", text).encode("utf-8")


def check_new_passphrase(passphrase: bytes) -> None:
    """Refuse a new passphrase shorter than :data:`MIN_PASSPHRASE_CHARS` characters."""
    if len(passphrase.decode("utf-8")) < MIN_PASSPHRASE_CHARS:
        raise CheckFailed(f"the passphrase must be at least {MIN_PASSPHRASE_CHARS} characters; "
                          "nothing was written")


@dataclass(frozen=True)
class TrusteeSecrets:
    """A trustee's long-term secret keys (never printed: ``repr`` hides them)."""

    signing_seed: bytes = field(repr=False)
    x25519_secret: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyFile:
    """A key file as read from disk: public keys in the clear, secrets still locked."""

    path: Path
    name: str
    ed25519: bytes
    x25519: bytes
    box: bytes


def _box_bytes(doc: Obj) -> bytes:
    blob = canonical_json(doc.child("box").data)
    try:
        passbox.label_of(blob)
    except EncodingError as exc:
        raise FormatError(f"{doc.where}: field box is not a passphrase box") from exc
    return blob


def _embed(blob: bytes) -> dict[str, Any]:
    embedded: dict[str, Any] = json.loads(blob)
    return embedded


def key_label(ed25519: bytes, x25519: bytes) -> bytes:
    """The key box's label binds the public keys, so they cannot be swapped in the file."""
    return KEY_LABEL + ed25519 + x25519


def key_doc(name: str, secrets: TrusteeSecrets, passphrase: bytes, kdf: str) -> dict[str, Any]:
    """A new key file: the public keys in the clear, both secrets in a passphrase box."""
    keys = dkg.public_keys(secrets.signing_seed, secrets.x25519_secret)
    opslimit, memlimit = KDF_COSTS[kdf]
    blob = passbox.lock(
        secrets.signing_seed + secrets.x25519_secret, passphrase,
        key_label(keys.ed25519, keys.x25519), opslimit=opslimit, memlimit=memlimit,
    )
    return {"v": VERSION, "kind": "trustee-key", "name": name, "ed25519": keys.ed25519,
            "x25519": keys.x25519, "box": _embed(blob)}


def public_doc(name: str, ed25519: bytes, x25519: bytes) -> dict[str, Any]:
    """The public half a trustee uploads: name and both public keys."""
    return {"v": VERSION, "kind": "trustee-public", "name": name, "ed25519": ed25519,
            "x25519": x25519}


def parse_public(doc: Obj) -> tuple[str, bytes, bytes]:
    """A ``trustee-public`` document; returns ``(name, ed25519, x25519)``."""
    expect(doc, "trustee-public", {"name", "ed25519", "x25519"})
    return (doc.text("name", max_len=200), doc.raw("ed25519", size=KEY_BYTES),
            doc.raw("x25519", size=KEY_BYTES))


def load_public(path: Path) -> tuple[str, bytes, bytes]:
    """Read a ``trustee-public`` file."""
    return parse_public(read_document(path, "trustee-public"))


def load_key(path: Path) -> KeyFile:
    """Read a key file without unlocking it."""
    doc = expect(read_document(path, "trustee-key"), "trustee-key",
                 {"name", "ed25519", "x25519", "box"})
    return KeyFile(path, doc.text("name", max_len=200), doc.raw("ed25519", size=KEY_BYTES),
                   doc.raw("x25519", size=KEY_BYTES), _box_bytes(doc))


def unlock_key(key: KeyFile, passphrase: bytes) -> TrusteeSecrets:
    """Open the key box and check that the secrets match the public keys in the file."""
    try:
        secret = passbox.unlock(key.box, passphrase, key_label(key.ed25519, key.x25519))
    except DecryptionError as exc:
        raise UnlockFailed(f"cannot unlock {key.path}: wrong passphrase, or the file was "
                           "altered") from exc
    if len(secret) != SECRET_BYTES:
        raise UnlockFailed(f"cannot unlock {key.path}: the secret has the wrong length")
    secrets = TrusteeSecrets(secret[:32], secret[32:])
    keys = dkg.public_keys(secrets.signing_seed, secrets.x25519_secret)
    if (keys.ed25519, keys.x25519) != (key.ed25519, key.x25519):
        raise UnlockFailed(f"cannot unlock {key.path}: its secrets do not match its public keys")
    return secrets


# --- the share file -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareFile:
    """Trustee ``index``'s stored share: public context in the clear, ``x_j`` in ``box``."""

    path: Path
    ctx: bytes
    index: int
    transcript: bytes
    Y: bytes
    Yj: bytes
    box: bytes


def share_doc(
    ctx: bytes, index: int, transcript: bytes, Y: bytes, Yj: bytes, x_j: bytes,
    passphrase: bytes, kdf: str,
) -> dict[str, Any]:
    """A new share file; ``x_j`` is locked with :func:`crypto.dkg.store_share`."""
    opslimit, memlimit = KDF_COSTS[kdf]
    blob = dkg.store_share(ctx, index, x_j, passphrase, opslimit=opslimit, memlimit=memlimit)
    return {"v": VERSION, "kind": "share", "ctx": ctx, "index": index, "transcript": transcript,
            "Y": Y, "Yj": Yj, "box": _embed(blob)}


def load_share(path: Path) -> ShareFile:
    """Read a share file without unlocking it."""
    doc = expect(read_document(path, "share"), "share",
                 {"ctx", "index", "transcript", "Y", "Yj", "box"})
    return ShareFile(
        path, doc.raw("ctx", size=CTX_BYTES), doc.integer("index", low=1, high=dkg.MAX_TRUSTEES),
        doc.raw("transcript", size=dkg.TRANSCRIPT_DIGEST_BYTES), doc.raw("Y", size=32),
        doc.raw("Yj", size=32), _box_bytes(doc),
    )


def unlock_share(share: ShareFile, passphrase: bytes) -> bytes:
    """Open the share box (bound to this ``ctx`` and index); return ``x_j``."""
    try:
        return dkg.load_share(share.box, passphrase, share.ctx, share.index)
    except DecryptionError as exc:
        raise UnlockFailed(f"cannot unlock {share.path}: wrong passphrase, or the file was "
                           "altered") from exc
    except EncodingError as exc:
        raise UnlockFailed(f"cannot unlock {share.path}: it does not hold a valid share") from exc
