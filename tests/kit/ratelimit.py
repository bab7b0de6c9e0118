"""Rate-limit test kit: the small limits both limiter backends are tested with, a settable clock
(``pledge.ratelimit.clock`` is replaced by one, so windows pass without sleeping: the ``clock``
fixture of tests/conftest.py), and JSON posts through a test client or real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

JSON = {"Content-Type": "application/json"}
# A whole hour in Unix time: every window below (10, 15, 60 minutes) starts here.
T0 = 1_900_000_800
assert T0 % 3600 == 0

LIMITS = {
    "RATELIMIT_LOGIN_PER_ACCOUNT": (3, 900),
    "RATELIMIT_LOGIN_PER_CLIENT": (8, 900),
    "RATELIMIT_VERIFY_START_PER_CLIENT": (4, 3600),
    "RATELIMIT_VERIFY_START_SITE": (1000, 3600),
    "RATELIMIT_VERIFY_CHECK_PER_CLIENT": (25, 3600),
    "RATELIMIT_VERIFY_ISSUE_PER_CLIENT": (2, 600),
    "RATELIMIT_ENTRIES_PER_CLIENT": (2, 600),
    "RATELIMIT_WITHDRAWALS_PER_CLIENT": (2, 600),
}


class Clock:
    """A settable stand-in for ``time.time``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def post_json(client, path, body, **kwargs):
    """POST ``body`` as JSON through a test client."""
    return client.post(path, data=json.dumps(body), headers=JSON, **kwargs)


def http_post(url: str, body: dict) -> int:
    """POST ``body`` as JSON over real HTTP; the status."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=JSON)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
