"""RFC 6749's client credentials (§4.4) and resource owner password credentials (§4.3) grants on Authlib.

Authlib's own grant classes authenticate clients through ``query_client`` and a client model, and answer a bad
user password with ``invalid_request``; these subclasses keep Authlib's dispatch and error responses but put
the decisions in a :class:`ClientGrantBackend`:

- **client authentication** (RFC 6749 §2.3.1): HTTP Basic *or* ``client_id``/``client_secret`` in the form
  body — SAP Cloud SDK for Python sends the body [PYSDK], most other clients Basic. Both at once is
  ``invalid_request`` (§2.3: "MUST NOT use more than one authentication method"). Every failure is the same
  ``invalid_client`` with HTTP 401 and ``WWW-Authenticate: Basic``, so a caller learns nothing about which
  clients exist. Basic credentials are tried as sent and, when they contain ``%``, form-decoded (§2.3.1 wants
  them form-encoded first; most clients do not);
- **password grant**: ``username`` and ``password`` required (``invalid_request``); wrong ones are
  ``invalid_grant`` (§5.2: "the provided authorization grant (e.g. … resource owner credentials) is invalid");
- a missing ``grant_type`` is ``invalid_request``, an unknown one ``unsupported_grant_type``;
- the backend's :class:`~trustbridge.oauth.rfc7522.GrantRejected` becomes the §5.2 error it names.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote_plus

from authlib.oauth2.rfc6749 import (
    BaseGrant,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    TokenEndpointMixin,
    UnauthorizedClientError,
)

from trustbridge.oauth.rfc7522 import GrantRejected
from trustbridge.oauth.rfc7522.saml2_bearer import error_text
from trustbridge.oauth.server import FormTokenServer, TokenRequest, TokenResponse
from trustbridge.security.basic_auth import parse_basic

log = logging.getLogger("trustbridge.oauth.client_grants")

NO_STORE: list[tuple[str, str]] = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]


class ClientGrantBackend(Protocol):
    def authenticate_client(self, client_id: str, secret: str) -> Any | None:
        """The client for valid credentials, else ``None``."""

    def client_name(self, client: Any) -> str:
        """The client's identifier (for the log)."""

    def authenticate_user(self, username: str, password: str) -> Any | None:
        """The resource owner for valid credentials, else ``None``."""

    def issue(self, client: Any, user: Any | None, grant_type: str, scope: str | None) -> dict[str, Any]:
        """The RFC 6749 §5.1 response body; raise :class:`GrantRejected`."""


def _failure(description: str = "Client authentication failed") -> InvalidClientError:
    return InvalidClientError(description=description, status_code=401)


class _ClientGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    @property
    def backend(self) -> ClientGrantBackend:
        backend: ClientGrantBackend = self.server.client_grant_backend
        return backend

    def _reject(self, error: Exception, reason: str, client: str | None) -> Exception:
        log.info("token request rejected: grant=%s reason=%s client=%s", self.GRANT_TYPE, reason, client or "-")
        return error

    def authenticate_token_endpoint_client(self) -> Any:
        headers = self.request.headers
        header = headers.get("Authorization") or headers.get("authorization")
        form = self.request.payload.data
        body_id, body_secret = form.get("client_id"), form.get("client_secret")
        basic = parse_basic(header)
        if basic is not None:
            if body_secret is not None:
                raise self._reject(
                    InvalidRequestError(
                        description="use one client authentication method: HTTP Basic or client_secret in the body"
                    ),
                    "two_client_authentications",
                    basic.username,
                )
            candidates = [(basic.username, basic.password)]
            if "%" in basic.username or "%" in basic.password:
                candidates.append((unquote_plus(basic.username), unquote_plus(basic.password)))
        elif header and header.strip().lower().startswith("basic"):
            raise self._reject(_failure(), "malformed_basic", None)
        elif body_id and body_secret is not None:
            candidates = [(body_id, body_secret)]
        else:
            raise self._reject(_failure(), "no_client_credentials", body_id)
        for client_id, secret in candidates:
            client = self.backend.authenticate_client(client_id, secret)
            if client is not None:
                if body_id is not None and body_id != self.backend.client_name(client):
                    raise self._reject(
                        _failure(error_text(f"client_id '{body_id}' is not the authenticated client")),
                        "client_id_mismatch",
                        self.backend.client_name(client),
                    )
                self.request.client = client
                return client
        raise self._reject(_failure(), "client_authentication_failed", candidates[0][0])

    def validate_token_request(self) -> None:
        self.authenticate_token_endpoint_client()

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client = self.request.client
        name = self.backend.client_name(client)
        scope = self.request.payload.data.get("scope")
        try:
            body = self.backend.issue(client, getattr(self.request, "user", None), str(self.GRANT_TYPE), scope)
        except GrantRejected as rejected:
            if rejected.error == "invalid_client":
                raise self._reject(_failure(error_text(rejected.description)), rejected.reason, name) from None
            error_class = {
                "invalid_scope": InvalidScopeError,
                "unauthorized_client": UnauthorizedClientError,
                "invalid_request": InvalidRequestError,
            }.get(rejected.error, InvalidGrantError)
            raise self._reject(
                error_class(description=error_text(rejected.description)), rejected.reason, name
            ) from None
        log.info("token issued: grant=%s client=%s", self.GRANT_TYPE, name)
        return 200, body, list(NO_STORE)


class ClientCredentialsGrant(_ClientGrant):
    """RFC 6749 §4.4: the client's own token."""

    GRANT_TYPE = "client_credentials"


class PasswordGrant(_ClientGrant):
    """RFC 6749 §4.3: a resource owner's token, for an authenticated client."""

    GRANT_TYPE = "password"

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        name = self.backend.client_name(client)
        form = self.request.payload.data
        username, password = form.get("username"), form.get("password")
        if not username or password is None:
            raise self._reject(
                InvalidRequestError(description="the password grant needs 'username' and 'password'"),
                "no_user_credentials",
                name,
            )
        user = self.backend.authenticate_user(username, password)
        if user is None:
            raise self._reject(InvalidGrantError(description="Bad credentials"), "user_authentication_failed", name)
        self.request.user = user


class ClientGrantServer(FormTokenServer):
    """A :class:`FormTokenServer` that answers a request without ``grant_type`` with ``invalid_request``."""

    def create_token_response(self, request: TokenRequest | None = None) -> TokenResponse:
        if request is not None and not (request.form or {}).get("grant_type"):
            status, body, headers = InvalidRequestError(description="missing 'grant_type' parameter")()
            return TokenResponse(status, dict(body), list(headers))
        response: TokenResponse = super().create_token_response(request)
        return response
