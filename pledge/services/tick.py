"""The periodic, idempotent step behind ``flask --app pledge tick`` (DESIGN §2).

Batch publication, threshold detection, expiry and notifications will live here; each step must
be safe when several tick processes run at once. Nothing is due yet in this version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass
class TickReport:
    """What one tick did, for the command's output and for tests."""

    ran_at: datetime
    actions: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the log."""
        done = "; ".join(self.actions) if self.actions else "nothing due"
        return f"tick at {self.ran_at:%Y-%m-%d %H:%M:%S}Z: {done}"


def run_tick(session: Session, now: datetime) -> TickReport:
    """Run every time-driven step that is due at ``now``."""
    del session  # no steps yet: later issues add batch publication, thresholds and expiry
    return TickReport(ran_at=now)
