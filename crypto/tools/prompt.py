"""Asking for the trustee's passphrase.

Interactively the passphrase is read with :func:`getpass.getpass` (no echo). For scripts and
tests only, it is taken from the environment variable ``PLEDGE_TRUSTEE_PASSPHRASE`` when that is
set: the environment of a process can be read by other processes of the same user and may end
up in shell history, so a trustee at their own keyboard should never set it.

The passphrase is normalised to Unicode NFC and encoded as UTF-8, so that the same passphrase
typed on different systems gives the same bytes.
"""

from __future__ import annotations

import getpass
import os
import unicodedata

from .errors import CheckFailed

ENV_VAR = "PLEDGE_TRUSTEE_PASSPHRASE"
MIN_LENGTH = 12


def _encode(text: str) -> bytes:
    return unicodedata.normalize("NFC", text).encode("utf-8")


def read_passphrase(purpose: str) -> bytes:
    """The passphrase that opens an existing file (``purpose`` says which, in the prompt)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        return _encode(from_env)
    return _encode(getpass.getpass(f"Passphrase for {purpose}: "))


def new_passphrase(purpose: str) -> bytes:
    """A new passphrase, asked twice; at least :data:`MIN_LENGTH` characters."""
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        text = from_env
    else:
        text = getpass.getpass(f"New passphrase for {purpose}: ")
        if getpass.getpass("Type it again: ") != text:
            raise CheckFailed("the two passphrases differ; nothing was written")
    if len(text) < MIN_LENGTH:
        raise CheckFailed(f"the passphrase must be at least {MIN_LENGTH} characters; nothing "
                          "was written")
    return _encode(text)
