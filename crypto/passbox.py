"""Secrets at rest under a passphrase: Argon2id (``nacl.pwhash``) and ``SecretBox``.

The stored blob is canonical JSON (docs/protocol.md §1) recording everything needed to open it again::

    {"box": hex(nonce || ciphertext), "kdf": "argon2id13", "label": hex, "memlimit": int,
     "opslimit": int, "salt": hex(16 bytes), "v": 2}

The SecretBox key is ``H("passbox", argon2id(passphrase, salt, opslimit, memlimit),
canonical_json(header); n=32)`` where ``header`` is the blob without ``box``: changing the
label or the cost parameters makes the box refuse to open, rather than weakening it silently.
"""

from __future__ import annotations

import json
from typing import Any

import nacl.exceptions
import nacl.utils
from nacl.pwhash import argon2id
from nacl.secret import SecretBox

from .errors import DecryptionError, EncodingError
from .group import RandomBytes
from .hashing import WIRE_VERSION, H, canonical_json

#: The box's ``"v"``: the wire format version.
VERSION = WIRE_VERSION
KDF = "argon2id13"
OPSLIMIT = argon2id.OPSLIMIT_MODERATE
MEMLIMIT = argon2id.MEMLIMIT_MODERATE
# Refuse blobs that ask for more than a trustee's laptop can give (a denial-of-service guard).
MAX_OPSLIMIT = 64
MAX_MEMLIMIT = 4 * 2**30


def _key(passphrase: bytes, header: dict[str, Any], salt: bytes) -> bytes:
    stretched = argon2id.kdf(
        SecretBox.KEY_SIZE, passphrase, salt,
        opslimit=header["opslimit"], memlimit=header["memlimit"],
    )
    return H("passbox", stretched, canonical_json(header), n=SecretBox.KEY_SIZE)


def _check_costs(opslimit: int, memlimit: int) -> None:
    ok = (
        type(opslimit) is int and type(memlimit) is int
        and argon2id.OPSLIMIT_MIN <= opslimit <= MAX_OPSLIMIT
        and argon2id.MEMLIMIT_MIN <= memlimit <= MAX_MEMLIMIT
    )
    if not ok:
        raise EncodingError("argon2id cost parameters out of range")


def lock(
    secret: bytes, passphrase: bytes, label: bytes, *, opslimit: int = OPSLIMIT,
    memlimit: int = MEMLIMIT, random_bytes: RandomBytes = nacl.utils.random,
) -> bytes:
    """Encrypt ``secret`` under ``passphrase``; ``label`` (public) says what it is for."""
    _check_costs(opslimit, memlimit)
    salt = random_bytes(argon2id.SALTBYTES)
    header: dict[str, Any] = {
        "kdf": KDF, "label": label.hex(), "memlimit": memlimit, "opslimit": opslimit,
        "salt": salt.hex(), "v": VERSION,
    }
    box = SecretBox(_key(passphrase, header, salt))
    sealed = bytes(box.encrypt(secret, random_bytes(SecretBox.NONCE_SIZE)))
    return canonical_json({**header, "box": sealed})


def _parse(blob: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """Split a blob into its header, salt and sealed box, checking every field."""
    try:
        obj = json.loads(blob)
        header = {key: obj[key] for key in ("kdf", "label", "memlimit", "opslimit", "salt", "v")}
        salt = bytes.fromhex(obj["salt"])
        sealed = bytes.fromhex(obj["box"])
        bytes.fromhex(obj["label"])
    except (ValueError, KeyError, TypeError) as exc:
        raise EncodingError("not a passphrase box") from exc
    if set(obj) != {*header, "box"} or header["v"] != VERSION or header["kdf"] != KDF:
        raise EncodingError("unknown passphrase box version")
    if len(salt) != argon2id.SALTBYTES:
        raise EncodingError("salt has the wrong length")
    _check_costs(header["opslimit"], header["memlimit"])
    return header, salt, sealed


def label_of(blob: bytes) -> bytes:
    """The public label of a blob, without opening it."""
    return bytes.fromhex(_parse(blob)[0]["label"])


def unlock(blob: bytes, passphrase: bytes, label: bytes) -> bytes:
    """Open a blob made by :func:`lock`; it must carry ``label``.

    Raises :class:`DecryptionError` for a wrong passphrase or a tampered blob.
    """
    header, salt, sealed = _parse(blob)
    if header["label"] != label.hex():
        raise DecryptionError("this blob holds something else")
    try:
        return SecretBox(_key(passphrase, header, salt)).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise DecryptionError("wrong passphrase or tampered blob") from exc
