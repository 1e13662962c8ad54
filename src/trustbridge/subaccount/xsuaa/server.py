"""The subaccount's XSUAA-like token endpoint: the backend of ``POST /oauth/token`` and its Authlib server.

Clients are the service bindings (:mod:`.bindings`); resource owners the subaccount's users
(:func:`trustbridge.subaccount.users.authenticate`). Grants: ``client_credentials`` and ``password``
(:mod:`trustbridge.oauth.client_grants`). Response: ``{"access_token", "token_type": "bearer", "expires_in",
"scope", "jti"}`` as XSUAA answers.

A successful client authentication is remembered for a minute under an HMAC of the credentials (random
per-process key, never the secret) — argon2 is slow by design and the Destination service's clients ask for
tokens often; failures are never remembered. Each issue re-reads the binding, so a deleted binding stops
getting tokens at once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from trustbridge.oauth.client_grants import ClientCredentialsGrant, ClientGrantServer, PasswordGrant
from trustbridge.oauth.rfc7522 import GrantRejected
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import users
from trustbridge.subaccount.xsuaa import bindings
from trustbridge.subaccount.xsuaa.tokens import CLIENT_CREDENTIALS, ScopeNotAllowed, issue_token

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
TOKEN_KEYS_PATH = "/token_keys"  # noqa: S105 - a path


class XsuaaBackend:
    """:class:`~trustbridge.oauth.client_grants.ClientGrantBackend` over one landscape database."""

    CREDENTIAL_CACHE_SECONDS = 60.0

    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[bindings.BindingClient, float]] = {}

    def authenticate_client(self, client_id: str, secret: str) -> bindings.BindingClient | None:
        tag = hmac.new(self._cache_key, f"{client_id}\0{secret}".encode(), "sha256").digest()
        cached = self._verified.get(tag)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self.db.read() as session:
            client = bindings.authenticate_client(session, client_id, secret)
        if client is None:
            self._verified.pop(tag, None)
            return None
        if len(self._verified) > 1024:
            self._verified.clear()
        self._verified[tag] = (client, time.monotonic() + self.CREDENTIAL_CACHE_SECONDS)
        return client

    def client_name(self, client: bindings.BindingClient) -> str:
        return client.clientid

    def authenticate_user(self, username: str, password: str) -> str | None:
        with self.db.read() as session:
            user = users.authenticate(session, username, password)
            return user.login if user is not None else None

    def issue(
        self, client: bindings.BindingClient, user: str | None, grant_type: str, scope: str | None
    ) -> dict[str, Any]:
        requested = tuple(scope.split()) if scope and scope.strip() else None
        with self.db.read() as session:
            if bindings.find_client(session, client.clientid) is None:
                raise GrantRejected("invalid_client", "binding_deleted", "Client authentication failed")
            if grant_type != CLIENT_CREDENTIALS and (user is None or users.find_user(session, user) is None):
                raise GrantRejected("invalid_grant", "user_deleted", "Bad credentials")
            try:
                issued = issue_token(
                    session,
                    self.box,
                    client_id=client.clientid,
                    grant_type=grant_type,
                    login=None if grant_type == CLIENT_CREDENTIALS else user,
                    scopes=requested,
                )
            except ScopeNotAllowed as exc:
                raise GrantRejected("invalid_scope", "scope_not_allowed", str(exc)) from None
        return {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes),
            "jti": issued.jti,
        }


def token_server(db: Database, box: SecretBox) -> ClientGrantServer:
    server = ClientGrantServer()
    server.client_grant_backend = XsuaaBackend(db, box)
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(PasswordGrant)
    return server
