"""Tokens the Destination service already fetched, kept in process memory until shortly before they expire.

The key says everything a token depends on — destination name and **revision** (bumps on every change), the
user (``user_uuid`` and ``user_name``), the **fingerprint of the active trust certificate** that signed the
assertion, the tenant — so a changed destination, another user or a rotated certificate simply misses; nothing
has to be invalidated. A token is handed out only while more than :func:`margin_for` of its lifetime is
left (``docs/decisions.md`` "Destination find"); the answer then carries the *remaining* ``expires_in``.

The cache is bounded (least recently used entries go first) and thread-safe: find requests run in the thread
pool.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

DEFAULT_MAX_ENTRIES: Final = 10_000
MARGIN_SECONDS: Final = 60.0
MARGIN_FRACTION: Final = 0.1


@dataclass(frozen=True)
class CacheKey:
    """What a token depends on. ``kind`` separates authentication types; unused parts stay ``""``."""

    kind: str
    destination: str
    revision: int
    user_uuid: str = ""
    user_name: str = ""
    certificate: str = ""
    tenant: str = ""


@dataclass(frozen=True)
class CachedToken:
    """A fetched access token (never logged; ``repr`` hides the value)."""

    token_type: str
    access_token: str
    scope: str | None
    expires_at: float  # on the cache's clock
    usable_until: float  # expires_at minus the margin

    def __repr__(self) -> str:
        return f"CachedToken(token_type={self.token_type!r}, scope={self.scope!r}, expires_at={self.expires_at!r})"


def margin_for(lifetime: float) -> float:
    """How long before expiry a token stops being handed out: 60 s or 10 % of its lifetime, whichever is more.

    A client (SAP Cloud SDK) uses the token it receives for a while; it must not receive one about to expire.
    """
    return max(MARGIN_SECONDS, lifetime * MARGIN_FRACTION)


class TokenCache:
    """A bounded, thread-safe map ``CacheKey → CachedToken``; counts hits and misses (for tests and ``status``)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, CachedToken] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def now(self) -> float:
        return self._clock()

    def get(self, key: CacheKey) -> CachedToken | None:
        """The token for ``key`` while it is usable (else ``None``, and a stale entry is dropped)."""
        with self._lock:
            token = self._entries.get(key)
            if token is None or self._clock() >= token.usable_until:
                if token is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return token

    def put(self, key: CacheKey, token_type: str, access_token: str, scope: str | None, expires_in: float) -> None:
        """Keep a token that expires in ``expires_in`` seconds (not one too short-lived to outlast the margin)."""
        now = self._clock()
        usable_until = now + expires_in - margin_for(expires_in)
        if usable_until <= now:
            return
        token = CachedToken(token_type, access_token, scope, now + expires_in, usable_until)
        with self._lock:
            self._entries[key] = token
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
