"""The ``--jobs`` option of ``pledge-trustee decrypt`` and ``pledge-verify``."""

from __future__ import annotations

import argparse

from crypto.parallel import cpu_count


def jobs(text: str) -> int:
    """A positive number of processes, for argparse."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_jobs_option(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: how many processes share the per-entry checks (default: the CPU count)."""
    parser.add_argument(
        "--jobs", type=jobs, default=None, metavar="N",
        help=f"processes to share the per-entry work (default: the number of CPUs, here "
             f"{cpu_count()}); the result does not depend on it",
    )
