"""Sign-in throttling: after a run of wrong passwords from one client for one user name, refuse for a while.

In memory, per process (each service has one). Keyed by (client address, user name) so that a stranger cannot
lock the admin out from elsewhere. A refused attempt does not check the password at all, so it neither costs
an argon2 verification nor tells whether the password was right.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

MAX_FAILURES: Final = 5  # wrong passwords in a row …
WINDOW_SECONDS: Final = 15 * 60  # … within this window …
LOCK_SECONDS: Final = 5 * 60  # … lock that client and user name for this long
MAX_TRACKED: Final = 10_000  # bound the memory an attacker can make us use


@dataclass
class _Record:
    failures: int
    first_failure: float
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        lock: float = LOCK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_failures = max_failures
        self._window = window
        self._lock = lock
        self._clock = clock
        self._records: dict[tuple[str, str], _Record] = {}
        self._mutex = threading.Lock()

    @staticmethod
    def _key(client: str, username: str) -> tuple[str, str]:
        return client, username.casefold()

    def retry_after(self, client: str, username: str) -> int:
        """Seconds until this client may try this user name again; 0 when it may now."""
        with self._mutex:
            record = self._records.get(self._key(client, username))
            remaining = record.locked_until - self._clock() if record else 0.0
            return math.ceil(remaining) if remaining > 0 else 0

    def failed(self, client: str, username: str) -> None:
        now = self._clock()
        with self._mutex:
            key = self._key(client, username)
            record = self._records.get(key)
            if record is None or now - record.first_failure > self._window:
                if len(self._records) >= MAX_TRACKED:
                    self._forget_stale(now)
                record = _Record(0, now)
                self._records[key] = record
            record.failures += 1
            if record.failures >= self._max_failures:
                record.locked_until = now + self._lock
                record.failures = 0
                record.first_failure = now

    def succeeded(self, client: str, username: str) -> None:
        with self._mutex:
            self._records.pop(self._key(client, username), None)

    def _forget_stale(self, now: float) -> None:
        stale = [k for k, r in self._records.items() if now - r.first_failure > self._window and r.locked_until < now]
        for key in stale:
            del self._records[key]
        if len(self._records) >= MAX_TRACKED:  # still full: drop the oldest half
            for key in sorted(self._records, key=lambda k: self._records[k].first_failure)[: MAX_TRACKED // 2]:
                del self._records[key]
