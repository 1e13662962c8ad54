"""The ``urn:ietf:params:oauth:grant-type:saml2-bearer`` grant (RFC 7522 §2.1) as an Authlib grant class.

The protocol steps live here; what they mean in a given system (which client may use which identity
provider, whose certificate verifies, which user a NameID names, what a token is bound to) is the
:class:`Saml2BearerBackend`'s — the S/4 tenant's token service implements it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from authlib.oauth2.rfc6749 import (
    BaseGrant,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    TokenEndpointMixin,
    UnauthorizedClientError,
)

from trustbridge.security.basic_auth import parse_basic

SAML2_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:saml2-bearer"
MAX_ASSERTION_CHARACTERS = 180 * 1024  # 128 KiB of XML, base64-encoded

log = logging.getLogger("trustbridge.oauth.saml2_bearer")

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def error_text(text: str) -> str:
    """``error_description`` may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2): fold everything else."""
    folded = text.replace("§", "section ").replace('"', "'").replace("\\", "/").replace("—", "-").replace("→", "->")
    return "".join(c if 0x20 <= ord(c) <= 0x7E else "?" for c in folded)


class GrantRejected(Exception):
    """The backend refuses the grant: ``error`` per RFC 6749 §5.2, ``reason`` a stable code for the log,
    ``description`` for the (authenticated) client's administrator."""

    def __init__(self, error: str, reason: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.reason = reason
        self.description = description


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


class Saml2BearerBackend(Protocol):
    def authenticate_client(self, client_id: str, secret: str) -> Any | None:
        """The client for valid credentials, else ``None`` (the backend counts failures and locks)."""

    def client_name(self, client: Any) -> str:
        """The client identifier that ``client_id`` must equal."""

    def exchange(self, client: Any, assertion: bytes, scope: str | None) -> IssuedToken:
        """Verify and consume ``assertion`` for ``client``; raise :class:`GrantRejected`."""


def decode_assertion(value: str) -> bytes:
    """RFC 7522 §2.1: the ``assertion`` parameter is base64url-encoded (RFC 4648 §5) without line wraps.

    Standard base64 (RFC 4648 §4) is accepted too: BTP's ``samlAssertionEncoding=base64`` sends it and SAP's
    own sample clients for the ABAP token service do (research §A, §B). One alphabet per value; padding is
    optional; whitespace, mixed alphabets and other characters are refused.
    """
    if not value:
        raise InvalidRequestError(description="missing 'assertion' parameter")
    if len(value) > MAX_ASSERTION_CHARACTERS:
        raise InvalidRequestError(description="the assertion is too large")
    if _BASE64URL.match(value):
        alphabet = b"-_"
    elif _BASE64.match(value):
        alphabet = b"+/"
    else:
        raise InvalidRequestError(description="the assertion is not base64url (RFC 7522 section 2.1) or base64 encoded")
    stripped = value.rstrip("=")
    if len(stripped) % 4 == 1:
        raise InvalidRequestError(description="the assertion's base64url encoding is truncated")
    try:
        return base64.b64decode(stripped + "=" * (-len(stripped) % 4), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestError(description="the assertion's base64url encoding is malformed") from None


class Saml2BearerGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]
    """Access token request with a SAML 2.0 bearer assertion as authorization grant (RFC 7522 §2.1).

    Client authentication (RFC 7522 §2.1 leaves it to RFC 6749 §2.3; S/4HANA requires it): HTTP Basic with
    the communication user and its password. A ``client_id`` parameter, when sent, must name that client.
    """

    GRANT_TYPE = SAML2_BEARER_GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic"]

    @property
    def backend(self) -> Saml2BearerBackend:
        backend: Saml2BearerBackend = self.server.saml2_bearer_backend
        return backend

    def _reject(self, error: Any, reason: str, client: str | None) -> Exception:
        log.info("token request rejected: reason=%s client=%s", reason, client or "-")
        rejected: Exception = error
        return rejected

    def authenticate_client(self) -> Any:
        """RFC 6749 §2.3.1 (HTTP Basic). Any failure is the same ``invalid_client`` with HTTP 401, so an
        unauthenticated caller learns nothing about users, locks or configuration (RFC 6749 §5.2)."""
        credentials = parse_basic(
            self.request.headers.get("Authorization") or self.request.headers.get("authorization")
        )
        failure = InvalidClientError(description="Client authentication failed", status_code=401)
        if credentials is None:
            raise self._reject(failure, "no_client_credentials", None)
        client = self.backend.authenticate_client(credentials.username, credentials.password)
        if client is None:
            raise self._reject(failure, "client_authentication_failed", credentials.username)
        return client

    def validate_token_request(self) -> None:
        """RFC 7522 §2.1: ``grant_type``, exactly one ``assertion``, optional ``scope``; client authenticated."""
        client = self.authenticate_client()
        name = self.backend.client_name(client)
        form = self.request.payload.data
        client_id = form.get("client_id")
        if client_id is not None and client_id != name:
            raise self._reject(
                InvalidClientError(
                    description=error_text(f"client_id '{client_id}' is not the authenticated client '{name}'"),
                    status_code=401,
                ),
                "client_id_mismatch",
                name,
            )
        self.request.client = client
        try:
            self._assertion = decode_assertion(form.get("assertion") or "")
        except InvalidRequestError as error:
            raise self._reject(error, "assertion_encoding", name) from None

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """RFC 7522 §3 processing (the backend), then RFC 6749 §5.1: the access token response."""
        client = self.request.client
        name = self.backend.client_name(client)
        scope = self.request.payload.data.get("scope")
        try:
            issued = self.backend.exchange(client, self._assertion, scope)
        except GrantRejected as rejected:
            if rejected.error == "invalid_client":
                failure = InvalidClientError(description=error_text(rejected.description), status_code=401)
                raise self._reject(failure, rejected.reason, name) from None
            error_class = {
                "invalid_scope": InvalidScopeError,
                "unauthorized_client": UnauthorizedClientError,
            }.get(rejected.error, InvalidGrantError)
            raise self._reject(
                error_class(description=error_text(rejected.description)), rejected.reason, name
            ) from None
        log.info("token issued: client=%s scope=%s", name, issued.scope)
        body = {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        }
        return 200, body, [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
