"""Who may call the subaccount API: a chain of authentication schemes, the first that accepts wins.

Today one scheme: the service admin over HTTP Basic (``docs/api.md``). SAP's Destination service takes OAuth
bearer tokens from the subaccount's XSUAA [SPEC ``securitySchemes``, research §C]; that scheme becomes a second
:class:`Authenticator` in the chain without touching the routers, which only depend on :func:`require_principal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from trustbridge.security.admin import AdminVerifier, check_admin
from trustbridge.storage import Database
from trustbridge.subaccount.models import SubaccountAdmin

BASIC_REALM = "trustbridge subaccount"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    name: str
    scheme: str


class Authenticator(Protocol):
    """One authentication scheme."""

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value that invites a client to use this scheme."""
        ...

    def authenticate(self, request: Request) -> Principal | None:
        """The caller when the request carries valid credentials of this scheme, else ``None``."""
        ...


class NotAuthenticated(Exception):
    """No scheme accepted the request (HTTP 401 with one challenge per scheme)."""

    def __init__(self, challenges: Sequence[str]) -> None:
        super().__init__("Unauthorized")
        self.challenges = list(challenges)


class AdminBasicAuthenticator:
    """The service admin's HTTP Basic credentials, checked against the argon2 hash (cached, see AdminVerifier)."""

    scheme = "basic"

    def __init__(self, db: Database) -> None:
        self._db = db
        self._verifier = AdminVerifier(self._check)

    @property
    def challenge(self) -> str:
        return f'Basic realm="{BASIC_REALM}", charset="UTF-8"'

    def _check(self, username: str, password: str) -> bool:
        with self._db.read() as session:
            return check_admin(session, SubaccountAdmin, username, password)

    def authenticate(self, request: Request) -> Principal | None:
        user = self._verifier.verify(request.headers.get("authorization"))
        return Principal(user, self.scheme) if user is not None else None


class Authentication:
    """The chain of schemes of one application."""

    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        if not authenticators:
            raise ValueError("at least one authenticator is needed")
        self.authenticators = list(authenticators)

    def authenticate(self, request: Request) -> Principal:
        for authenticator in self.authenticators:
            principal = authenticator.authenticate(request)
            if principal is not None:
                return principal
        raise NotAuthenticated([authenticator.challenge for authenticator in self.authenticators])


def require_principal(request: Request) -> Principal:
    """FastAPI dependency of every protected router (sync: argon2 runs in the thread pool)."""
    authentication = request.app.state.authentication
    if not isinstance(authentication, Authentication):
        raise RuntimeError("the application has no authentication chain")
    principal = authentication.authenticate(request)
    request.state.principal = principal
    return principal
