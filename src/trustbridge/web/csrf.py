"""CSRF protection of every form: a synchronizer token in the session, echoed in a hidden field.

Each POST must carry ``csrf_token`` equal (constant-time) to the session's token, and — when the browser sends
``Origin`` — come from the page's own origin. A failed check changes nothing and answers 403.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Final

from fastapi import Request

from trustbridge.web.sessions import session_of

CSRF_FIELD: Final = "csrf_token"
_SESSION_KEY: Final = "csrf"


class CsrfFailed(Exception):
    """The form did not come from one of our pages (missing or wrong token, foreign origin)."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use."""
    session = session_of(request)
    token = session.get(_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_SESSION_KEY] = token
    return token


def _own_origin(request: Request) -> str:
    url = request.url
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = f":{url.port}" if url.port and url.port != default else ""
    return f"{url.scheme}://{url.hostname}{port}"


def check_csrf(request: Request, submitted: object) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != "null" and origin != _own_origin(request):
        raise CsrfFailed(f"the form was sent from another site ({origin})")
    expected = session_of(request).get(_SESSION_KEY)
    if not isinstance(expected, str) or not isinstance(submitted, str):
        raise CsrfFailed("the form has expired; reload the page and try again")
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfFailed("the form has expired; reload the page and try again")
