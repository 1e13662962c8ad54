"""Browser sessions: Starlette's signed-cookie ``SessionMiddleware`` with a key derived per service.

The cookie is signed (itsdangerous, HMAC-SHA1 over a per-service key derived from the landscape's at-rest key),
``Secure``, ``HttpOnly`` and ``SameSite=Lax``; it holds only the signed-in user name, the CSRF token, the
login time and short flash messages — never a secret. Browsers treat ``http://127.0.0.1`` and
``http://localhost`` as secure contexts, so ``Secure`` cookies work on ``trustbridge up`` too.
"""

from __future__ import annotations

import time
from typing import Any, Final

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_MAX_AGE: Final = 8 * 60 * 60  # seconds: a working day, then sign in again
USER_KEY: Final = "user"
SIGNED_IN_AT_KEY: Final = "signed_in_at"
FLASH_KEY: Final = "flash"


class PagesOnlySessions:
    """Session handling for the page paths only: the APIs (the token endpoint's hot path among them) never
    decode or set a cookie, and a session cookie sent to them means nothing."""

    def __init__(self, app: ASGIApp, /, *, prefix: str, **options: Any) -> None:
        self._plain = app
        self._with_sessions = SessionMiddleware(app, **options)
        self._prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == self._prefix or path.startswith(self._prefix + "/")):
            await self._with_sessions(scope, receive, send)
        else:
            await self._plain(scope, receive, send)


def install_sessions(app: FastAPI, *, secret: bytes, cookie_name: str, prefix: str) -> None:
    """Sessions for the pages under ``prefix``; ``secret`` comes from ``SecretBox.derive`` (one per service)."""
    app.add_middleware(
        PagesOnlySessions,
        prefix=prefix,
        secret_key=secret.hex(),
        session_cookie=cookie_name,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=True,
    )


def session_of(request: Request) -> dict[str, Any]:
    session: dict[str, Any] = request.session
    return session


def signed_in_user(request: Request) -> str | None:
    session = session_of(request)
    user = session.get(USER_KEY)
    started = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(user, str) or not isinstance(started, int | float):
        return None
    if time.time() - started > SESSION_MAX_AGE:
        return None
    return user


def start_session(request: Request, user: str) -> None:
    """Sign ``user`` in: a new session (new CSRF token), so a token planted before login is worthless."""
    session = session_of(request)
    session.clear()
    session[USER_KEY] = user
    session[SIGNED_IN_AT_KEY] = int(time.time())


def end_session(request: Request) -> None:
    session_of(request).clear()


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A one-time message for the next page (``kind``: success, warning, error)."""
    messages = list(session_of(request).get(FLASH_KEY) or [])
    messages.append([kind, message[:300]])
    session_of(request)[FLASH_KEY] = messages[-5:]


def take_flashes(request: Request) -> list[tuple[str, str]]:
    messages = session_of(request).pop(FLASH_KEY, None) or []
    return [(str(kind), str(text)) for kind, text in messages]
