"""Prepare the instance folder: ``python -m pledge.instance init [--path DIR]``.

Generates every secret named in :data:`pledge.config.SECRET_NAMES` into
``instance/secrets.json`` (mode 600) once; an existing file is never overwritten, because
losing ``ISSUER_SECRET`` or ``TOKEN_KEY_SECRET`` would orphan live campaigns. This runs before
the app can start, so it imports no part of the app but the list of names.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

from pledge.config import SECRET_NAMES

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "instance"


def init_instance(path: Path) -> bool:
    """Create ``path`` with fresh secrets and a mail folder; return False if secrets existed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    (path / "mail").mkdir(mode=0o700, exist_ok=True)
    target = path / "secrets.json"
    if target.exists():
        return False
    values = {name: secrets.token_hex(32) for name in SECRET_NAMES}
    # O_EXCL: two concurrent runs cannot both write, and the file is never world-readable.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2)
        handle.write("\n")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m pledge.instance")
    parser.add_argument("command", choices=["init"])
    parser.add_argument("--path", type=Path, default=Path(os.environ.get("PLEDGE_INSTANCE_PATH", DEFAULT_PATH)))
    args = parser.parse_args(argv)
    created = init_instance(args.path)
    where = args.path / "secrets.json"
    print(f"instance: generated secrets in {where}" if created else f"instance: keeping {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
