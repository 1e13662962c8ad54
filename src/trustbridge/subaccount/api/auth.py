"""Who may call the subaccount API: a chain of authentication schemes, the first that accepts wins.

Two schemes: the service admin over HTTP Basic (``docs/api.md``) everywhere, and — on the Destination service
API only (``/destination-configuration/…``) — OAuth bearer tokens of the subaccount's XSUAA-like authorization
server [SPEC ``securitySchemes``, research §C] (:class:`BearerTokenAuthenticator`). Routers only depend on
:func:`require_principal`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from fastapi import Request

from trustbridge.security.admin import AdminVerifier, check_admin
from trustbridge.storage import Database
from trustbridge.subaccount.models import SubaccountAdmin
from trustbridge.subaccount.xsuaa.bindings import find_client
from trustbridge.subaccount.xsuaa.tokens import InvalidToken, TokenClaims, verify_access_token

BASIC_REALM = "trustbridge subaccount"
#: The Destination service API, where bearer tokens are accepted (the extensions stay admin-only).
DESTINATION_SERVICE_PREFIX: Final = "/destination-configuration/"
#: The consumption ("find") paths, where a user token of a binding's client is accepted too (SAP's SDKs send
#: a same-zone user's token as ``Authorization``, research §C).
FIND_PREFIXES: Final = ("/destination-configuration/v1/destinations/", "/destination-configuration/v2/destinations/")

log = logging.getLogger("trustbridge.subaccount.auth")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; ``token`` = the verified JWT when it came with a bearer token."""

    name: str
    scheme: str
    token: TokenClaims | None = None


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


def bearer_token(authorization_header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1), else ``None``."""
    if not authorization_header:
        return None
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class BearerTokenAuthenticator:
    """An access token of this subaccount's authorization server, issued to a service binding's client.

    Accepted on the Destination service API only: a ``client_credentials`` token on every path, a user token
    (``password`` grant) of a binding's client on the find paths. The principal's name is the client ID, its
    ``token`` the verified claims. Refusals are logged at INFO with the reason (never the token).
    """

    scheme = "bearer"

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def challenge(self) -> str:
        return f'Bearer realm="{BASIC_REALM}"'

    def authenticate(self, request: Request) -> Principal | None:
        path = request.url.path
        if not path.startswith(DESTINATION_SERVICE_PREFIX):
            return None
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            return None
        with self._db.read() as session:
            try:
                claims = verify_access_token(session, token)
            except InvalidToken as refused:
                log.info("bearer token refused: %s", refused.message)
                return None
            known = find_client(session, claims.client_id) is not None
        if not known:
            log.info("bearer token refused: client %s is no service binding", claims.client_id)
            return None
        if claims.is_user_token and not path.startswith(FIND_PREFIXES):
            log.info("bearer token refused: a user token is accepted on the find paths only (%s)", path)
            return None
        return Principal(claims.client_id, self.scheme, claims)


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
