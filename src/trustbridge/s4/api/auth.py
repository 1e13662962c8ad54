"""Admin HTTP Basic on every ``/api`` endpoint, argon2-checked through :class:`AdminVerifier` (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from trustbridge.s4.api.exceptions import AdminAuthenticationRequired
from trustbridge.s4.models import S4Admin
from trustbridge.security.admin import AdminVerifier, check_admin
from trustbridge.storage import Database


def admin_guard(db: Database) -> Callable[[Request], str]:
    """A (sync, so threadpooled) FastAPI dependency: the admin user name, or 401."""

    def check(username: str, password: str) -> bool:
        with db.read() as session:
            return check_admin(session, S4Admin, username, password)

    verifier = AdminVerifier(check)

    def guard(request: Request) -> str:
        username = verifier.verify(request.headers.get("authorization"))
        if username is None:
            raise AdminAuthenticationRequired
        return username

    return guard
