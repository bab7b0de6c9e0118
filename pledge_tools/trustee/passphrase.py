"""Asking for the trustee's passphrase.

Interactively the passphrase is read with :func:`getpass.getpass` (no echo). For scripts and
tests only, it is taken from the environment variable ``PLEDGE_TRUSTEE_PASSPHRASE`` when that is
set: the environment of a process can be read by other processes of the same user and may end
up in shell history, so a trustee at their own keyboard should never set it.

The passphrase is normalised to Unicode NFC and encoded as UTF-8
(:func:`crypto.formats.keys.passphrase_bytes`); the steps check a new one's length.
"""

from __future__ import annotations

import getpass
import os

from crypto.formats.errors import CheckFailed
from crypto.formats.keys import passphrase_bytes

ENV_VAR = "PLEDGE_TRUSTEE_PASSPHRASE"


def read_passphrase(purpose: str) -> bytes:
    """The passphrase that opens an existing file (``purpose`` says which, in the prompt)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        return passphrase_bytes(from_env)
    return passphrase_bytes(getpass.getpass(f"Passphrase for {purpose}: "))


def new_passphrase(purpose: str) -> bytes:
    """A new passphrase, asked twice (or taken from :data:`ENV_VAR`)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        return passphrase_bytes(from_env)
    text = getpass.getpass(f"New passphrase for {purpose}: ")
    if getpass.getpass("Type it again: ") != text:
        raise CheckFailed("the two passphrases differ; nothing was written")
    return passphrase_bytes(text)
