"""What a trustee step reports, and how it is given a passphrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# The passphrase itself (NFC, UTF-8: :func:`crypto.formats.keys.passphrase_bytes`), or a
# function that supplies it given what it is for. A function is called only once the step has
# checked its files, so a trustee at the keyboard is not asked before a mistake is found.
Passphrase = bytes | Callable[[str], bytes]

# Where each line goes as soon as the step says it (for example, the terminal).
Progress = Callable[[str], None]


def obtain(passphrase: Passphrase, purpose: str) -> bytes:
    """The passphrase's bytes; ``purpose`` names the file it opens or protects."""
    return passphrase if isinstance(passphrase, bytes) else passphrase(purpose)


@dataclass
class StepReport:
    """What a step checked and did, one line per fact, and the files it wrote (in order).

    ``progress`` sees every line as it is said: a step that fails half-way has still reported
    what it checked before failing, and lines come before any question asked later."""

    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    progress: Progress | None = field(default=None, repr=False, compare=False)

    def say(self, line: str) -> None:
        """Add one line to the report."""
        self.lines.append(line)
        if self.progress is not None:
            self.progress(line)

    def wrote(self, path: Path) -> None:
        """Note a file the step wrote."""
        self.written.append(path)
