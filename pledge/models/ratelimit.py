"""Rate-limit counters shared by every server process (see :mod:`pledge.ratelimit`).

A row is one fixed window of one bucket. The bucket key is ``<limit name>:<hex>`` where the hex
part is a truncated ``HMAC(ISSUER_SECRET, ...)`` of what is being limited (a staff login address,
a client network address): no address or IP is ever stored in clear. A row lives until its window
ends; ``tick`` deletes ended windows, so an IP-keyed bucket outlives its window by at most one
tick interval. ``WITHOUT ROWID`` on SQLite: rows sit in the order of their keyed hashes, not in the
order in which clients arrived.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from pledge.models.base import Base


class RateLimitWindow(Base):
    """Requests counted in one bucket during ``[window_start, window_end)`` (Unix seconds)."""

    __tablename__ = "rate_limits"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_nonnegative"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        {"sqlite_with_rowid": False},
    )

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)
    window_end: Mapped[int] = mapped_column(BigInteger, index=True)
    count: Mapped[int] = mapped_column(default=0)
