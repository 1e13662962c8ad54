"""``authTokens`` of a found destination, per ``Authentication`` type [CONN-FINDRESP, SPEC ``AuthToken``].

- ``NoAuthentication`` (and types whose credentials are not tokens: ``PrincipalPropagation``,
  ``ClientCertificateAuthentication``) → no ``authTokens``.
- ``BasicAuthentication`` → ``{type: "Basic", value: base64(User:Password), http_header: {Authorization, "Basic …"}}``.
- ``OAuth2ClientCredentials`` → ``client_credentials`` at ``tokenServiceURL`` with ``clientId``/``clientSecret``
  in the form body (HTTP Basic with ``tokenServiceUser``/``tokenServicePassword`` when those are set), cached
  per destination revision and tenant.
- ``OAuth2SAMLBearerAssertion`` → the user's assertion (:func:`~trustbridge.subaccount.assertions.assertion_for`,
  or ``X-samlAssertion`` with ``SAMLAssertionProvider=ClientProvided``) exchanged at ``tokenServiceURL``
  (RFC 7522: ``grant_type``, ``assertion``, ``client_id=clientKey``, ``scope``; Basic
  ``tokenServiceUser``/``tokenServicePassword``), cached per destination revision, user and trust certificate.

Every failure is an entry with ``type`` = ``value`` = ``""`` and an ``error`` text naming the step that failed —
the find itself still answers 200, as SAP's does.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from trustbridge.errors import DomainError
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.assertions import SAML_BEARER, assertion_for, token_service_url
from trustbridge.subaccount.destinations import message_of
from trustbridge.subaccount.find.cache import CacheKey, TokenCache
from trustbridge.subaccount.find.exchange import TokenRequestFailed, TokenResponse, request_token
from trustbridge.subaccount.find.lookup import FoundDestination

log = logging.getLogger(__name__)

SAML2_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:saml2-bearer"
BASIC: Final = "BasicAuthentication"
CLIENT_CREDENTIALS: Final = "OAuth2ClientCredentials"
NO_TOKEN_TYPES: Final = ("NoAuthentication", "PrincipalPropagation", "ClientCertificateAuthentication")
CLIENT_PROVIDED: Final = "ClientProvided"


@dataclass(frozen=True)
class AuthToken:
    """One ``authTokens`` entry; ``error`` set = a failed retrieval (``type``/``value`` empty)."""

    type: str
    value: str
    header_value: str = ""
    expires_in: str | None = None
    scope: str | None = None
    error: str | None = None

    def __repr__(self) -> str:
        return f"AuthToken(type={self.type!r}, expires_in={self.expires_in!r}, error={self.error!r})"

    @classmethod
    def failed(cls, error: str) -> AuthToken:
        return cls(type="", value="", error=error)

    def as_dict(self) -> dict[str, Any]:
        if self.error is not None:
            # The spec requires http_header; on failure its key and value are empty like type and value (UNDOC).
            return {"type": "", "value": "", "http_header": {"key": "", "value": ""}, "error": self.error}
        entry: dict[str, Any] = {
            "type": self.type,
            "value": self.value,
            "http_header": {"key": "Authorization", "value": self.header_value},
        }
        if self.expires_in is not None:
            entry["expires_in"] = self.expires_in
        if self.scope is not None:
            entry["scope"] = self.scope
        return entry


@dataclass(frozen=True)
class Caller:
    """Who asks, as the HTTP layer verified it.

    ``user_claims``: the verified user JWT's claims (``X-user-token``, else a user token in ``Authorization``);
    ``None`` with ``user_problem`` saying why there is no user. ``tenant`` = ``X-tenant``; ``saml_assertion`` =
    ``X-samlAssertion``.
    """

    user_claims: Mapping[str, Any] | None = None
    user_problem: str | None = None
    tenant: str | None = None
    saml_assertion: str | None = None

    def __repr__(self) -> str:
        user = self.user_claims.get("user_name") if self.user_claims is not None else None
        return f"Caller(user={user!r}, tenant={self.tenant!r})"


@dataclass
class TokenRetrieval:
    """What token retrieval needs besides the request: database, key box, HTTP client and the token cache."""

    db: Database
    box: SecretBox
    http: httpx.Client
    cache: TokenCache


def token_type_of(raw: str) -> str:
    """``bearer`` (RFC 6749 is case-insensitive) → ``Bearer``, as SAP's answers show it; others as sent."""
    return "Bearer" if raw.lower() == "bearer" else raw


def _token(token_type: str, value: str, expires_in: int | None, scope: str | None) -> AuthToken:
    kind = token_type_of(token_type)
    return AuthToken(
        type=kind,
        value=value,
        header_value=f"{kind} {value}",
        expires_in=str(expires_in) if expires_in is not None else None,
        scope=scope,
    )


def _present(properties: Mapping[str, str], key: str) -> str | None:
    value = properties.get(key)
    return value if value is not None and value.strip() else None


def _token_service_basic(properties: Mapping[str, str]) -> tuple[str, str] | None:
    user = _present(properties, "tokenServiceUser")
    password = properties.get("tokenServicePassword")
    return (user, password) if user is not None and password else None


def _from_cache(retrieval: TokenRetrieval, key: CacheKey) -> AuthToken | None:
    cached = retrieval.cache.get(key)
    if cached is None:
        return None
    remaining = max(0, math.floor(cached.expires_at - retrieval.cache.now()))
    return _token(cached.token_type, cached.access_token, remaining, cached.scope)


def _remember(retrieval: TokenRetrieval, key: CacheKey, response: TokenResponse) -> AuthToken:
    if response.expires_in is not None:
        retrieval.cache.put(key, response.token_type, response.access_token, response.scope, response.expires_in)
    return _token(response.token_type, response.access_token, response.expires_in, response.scope)


def _proxy_problem(found: FoundDestination) -> str | None:
    proxy = found.properties.get("tokenServiceURL.ProxyType") or found.properties.get("ProxyType") or "Internet"
    if proxy == "OnPremise":
        return (
            f"Destination '{found.name}': ProxyType 'OnPremise' reaches the token service through the SAP Cloud "
            "Connector, which trustbridge does not emulate; use ProxyType 'Internet'"
        )
    return None


def basic_token(found: FoundDestination) -> AuthToken:
    """``BasicAuthentication``: ``User:Password`` in Base64 (RFC 7617, UTF-8)."""
    user = found.properties.get("User", "")
    password = found.properties.get("Password", "")
    if not user:
        return AuthToken.failed(f"Destination '{found.name}': property 'User' is required for '{BASIC}'")
    value = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return AuthToken(type="Basic", value=value, header_value=f"Basic {value}")


def client_credentials_token(found: FoundDestination, caller: Caller, retrieval: TokenRetrieval) -> AuthToken:
    """``OAuth2ClientCredentials``: RFC 6749 §4.4 at ``tokenServiceURL``, cached per destination revision and tenant."""
    properties = found.properties
    problem = _proxy_problem(found)
    if problem is not None:
        return AuthToken.failed(problem)
    common = properties.get("tokenServiceURLType") == "Common"
    if caller.tenant is not None and not common:
        return AuthToken.failed(
            f"Destination '{found.name}': the X-tenant header is only allowed with tokenServiceURLType 'Common'"
        )
    url = token_service_url(properties, caller.tenant or found.subdomain)
    client_id = _present(properties, "clientId")
    if url is None or client_id is None:
        missing = "tokenServiceURL" if url is None else "clientId"
        return AuthToken.failed(
            f"Destination '{found.name}': property '{missing}' is required for '{CLIENT_CREDENTIALS}'"
        )
    key = CacheKey("client_credentials", found.name, found.revision, tenant=caller.tenant or "")
    cached = _from_cache(retrieval, key)
    if cached is not None:
        return cached
    form = {"grant_type": "client_credentials", "client_id": client_id}
    secret = properties.get("clientSecret")
    if secret:
        form["client_secret"] = secret
    scope = _present(properties, "scope")
    if scope is not None:
        form["scope"] = scope
    try:
        response = request_token(retrieval.http, url, form, properties, basic=_token_service_basic(properties))
    except TokenRequestFailed as failure:
        return AuthToken.failed(f"OAuth token retrieval failed: {failure.message}")
    return _remember(retrieval, key, response)


def _no_user(found: FoundDestination, caller: Caller) -> AuthToken:
    reason = caller.user_problem or (
        "the request carries no user token: send the user's JWT in the X-user-token header, or a user's token "
        "in the Authorization header"
    )
    return AuthToken.failed(
        f"Destination '{found.name}': no user token for Authentication '{SAML_BEARER}' (principal propagation): "
        f"{reason}"
    )


def saml_bearer_token(found: FoundDestination, caller: Caller, retrieval: TokenRetrieval) -> AuthToken:
    """``OAuth2SAMLBearerAssertion``: the user's signed assertion exchanged at ``tokenServiceURL`` (RFC 7522)."""
    properties = found.properties
    problem = _proxy_problem(found)
    if problem is not None:
        return AuthToken.failed(problem)
    client_key = _present(properties, "clientKey")
    url = token_service_url(properties, found.subdomain)
    if client_key is None or url is None:
        missing = "clientKey" if client_key is None else "tokenServiceURL"
        return AuthToken.failed(f"Destination '{found.name}': property '{missing}' is required for '{SAML_BEARER}'")
    client_provided = properties.get("SAMLAssertionProvider") == CLIENT_PROVIDED
    key: CacheKey | None = None
    if client_provided:
        if not caller.saml_assertion:
            return AuthToken.failed(
                f"Destination '{found.name}': SAMLAssertionProvider is '{CLIENT_PROVIDED}' but the request has "
                "no X-samlAssertion header"
            )
        encoded = caller.saml_assertion  # used as sent; one-time use at the token service, so never cached
    else:
        claims = caller.user_claims
        if claims is None:
            return _no_user(found, caller)
        key = CacheKey(
            "saml2_bearer",
            found.name,
            found.revision,
            user_uuid=str(claims.get("user_uuid") or ""),
            user_name=str(claims.get("user_name") or ""),
            certificate=found.certificate_fingerprint,
        )
        cached = _from_cache(retrieval, key)
        if cached is not None:
            return cached
        try:
            with retrieval.db.read() as session:
                encoded = assertion_for(session, retrieval.box, found.name, claims).encoded
        except DomainError as exc:
            return AuthToken.failed(f"SAML assertion could not be built: {message_of(exc)}")
    form = {"grant_type": SAML2_BEARER_GRANT, "assertion": encoded, "client_id": client_key}
    scope = _present(properties, "scope")
    if scope is not None:
        form["scope"] = scope
    company = _present(properties, "companyId")
    if company is not None:
        form["company_id"] = company
    try:
        response = request_token(retrieval.http, url, form, properties, basic=_token_service_basic(properties))
    except TokenRequestFailed as failure:
        return AuthToken.failed(f"OAuth token retrieval failed: {failure.message}")
    if key is None:
        return _token(response.token_type, response.access_token, response.expires_in, response.scope)
    return _remember(retrieval, key, response)


def auth_tokens_for(found: FoundDestination, caller: Caller, retrieval: TokenRetrieval) -> list[AuthToken] | None:
    """The ``authTokens`` of ``found`` for ``caller``; ``None`` when its type carries none."""
    authentication = found.authentication
    if authentication in NO_TOKEN_TYPES:
        return None
    if authentication == BASIC:
        token = basic_token(found)
    elif authentication == CLIENT_CREDENTIALS:
        token = client_credentials_token(found, caller, retrieval)
    elif authentication == SAML_BEARER:
        token = saml_bearer_token(found, caller, retrieval)
    else:
        token = AuthToken.failed(
            f"Destination '{found.name}': Authentication '{authentication}' is not supported by trustbridge "
            f"(supported: NoAuthentication, {BASIC}, {CLIENT_CREDENTIALS}, {SAML_BEARER})"
        )
    if token.error is not None:
        log.info("find destination=%s authentication=%s token=failed: %s", found.name, authentication, token.error)
    else:
        log.debug("find destination=%s authentication=%s token=ok", found.name, authentication)
    return [token]
