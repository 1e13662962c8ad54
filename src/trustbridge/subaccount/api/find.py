"""The Destination service's consumption API: *find a destination* [SPEC], research §C.

``GET /destination-configuration/v1/destinations/{name}``, ``/v2/destinations/{name}`` and
``/v2/destinations/{name}@{level}``. A **bearer token of this subaccount** is required (the admin's HTTP Basic
is not enough: find hands out credentials and user tokens, it is a consumption API for applications); 401
otherwise. The user comes from ``X-user-token`` (a JWT of this subaccount whose ``aud`` names the calling
client) or else from the ``Authorization`` token when that is a user token. ``X-user-token`` together with
``X-tenant`` is a 400. Unknown destination → 404 ``{"ErrorMessage"}``. Token retrieval never fails the request:
its errors are ``authTokens[].error`` texts (HTTP 200), as SAP's.

Handlers are plain functions (FastAPI runs them in its thread pool): signing and the token request block.
The token service is called with one ``httpx.Client`` per application (connection reuse), created on first
use or given by :func:`configure_find`; the token cache lives next to it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from trustbridge.errors import ValidationFailed
from trustbridge.subaccount.api.auth import BASIC_REALM, NotAuthenticated
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.api.exceptions import error_response
from trustbridge.subaccount.find.auth_tokens import Caller, TokenRetrieval, auth_tokens_for
from trustbridge.subaccount.find.cache import TokenCache
from trustbridge.subaccount.find.lookup import find_destination
from trustbridge.subaccount.xsuaa import tokens as xsuaa_tokens

BASE_PATH: Final = "/destination-configuration"
BEARER_CHALLENGE: Final = f'Bearer realm="{BASIC_REALM}"'
METADATA_OWNER: Final = "owner"


@dataclass
class FindRuntime:
    """The application's HTTP client for token services and its token cache."""

    http: httpx.Client
    cache: TokenCache

    def close(self) -> None:
        self.http.close()


_runtime_lock = threading.Lock()


def configure_find(app: FastAPI, *, http: httpx.Client | None = None, cache: TokenCache | None = None) -> FindRuntime:
    """Give ``app``'s find its HTTP client (tests: a transport to an in-process S/4 app) and token cache."""
    runtime = FindRuntime(http or httpx.Client(), cache or TokenCache())
    app.state.find_runtime = runtime
    return runtime


def find_runtime(app: FastAPI) -> FindRuntime:
    """The runtime of ``app``, created on first use."""
    with _runtime_lock:
        runtime = getattr(app.state, "find_runtime", None)
        if not isinstance(runtime, FindRuntime):
            runtime = configure_find(app)
        return runtime


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    runtime = getattr(app.state, "find_runtime", None)
    if isinstance(runtime, FindRuntime):
        runtime.close()


router = APIRouter(prefix=BASE_PATH, lifespan=_lifespan)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated([BEARER_CHALLENGE])
    return token.strip()


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValidationFailed.one(name, "not_boolean", f"Query parameter '{name}' must be 'true' or 'false'")
    return value == "true"


def _include_owner(request: Request) -> bool:
    raw = request.query_params.get("$includeMetadata")
    if raw is None:
        return False
    names = [part.strip() for part in raw.split(";") if part.strip()]
    unknown = [name for name in names if name != METADATA_OWNER]
    if unknown or not names:
        raise ValidationFailed.one(
            "$includeMetadata",
            "unknown_metadata",
            f"$includeMetadata supports only '{METADATA_OWNER}' here (got '{raw}')",
        )
    return True


def _caller(service: xsuaa_tokens.TokenClaims, request: Request, session: Session) -> Caller:
    """The user whose token a destination may need, or why there is none (checked only when needed)."""
    tenant = request.headers.get("x-tenant")
    assertion = request.headers.get("x-samlassertion")
    user_token = request.headers.get("x-user-token")
    if user_token is None:
        if service.is_user_token:
            return Caller(user_claims=service.claims, tenant=tenant, saml_assertion=assertion)
        return Caller(tenant=tenant, saml_assertion=assertion)
    if not user_token.strip():
        return Caller(user_problem="the X-user-token header is empty", tenant=tenant, saml_assertion=assertion)
    try:
        claims = xsuaa_tokens.verify_access_token(session, user_token.strip(), audience=service.client_id or None)
    except xsuaa_tokens.InvalidToken as invalid:
        problem = f"the X-user-token is not a valid user token of this subaccount: {invalid.message}"
        return Caller(user_problem=problem, tenant=tenant, saml_assertion=assertion)
    if not claims.is_user_token:
        problem = "the X-user-token carries no user (it is a client-credentials token)"
        return Caller(user_problem=problem, tenant=tenant, saml_assertion=assertion)
    return Caller(user_claims=claims.claims, tenant=tenant, saml_assertion=assertion)


async def _context(request: Request) -> ServiceContext:
    """:func:`get_context` as an ``async`` dependency: a sync one costs the request a second thread-pool hop."""
    return get_context(request)


def _etags(header: str | None) -> set[str]:
    if header is None:
        return set()
    return {tag for part in header.split(",") if (tag := part.strip().removeprefix("W/").strip('"'))}


def _find(name: str, level: str | None, request: Request, context: ServiceContext, *, v1: bool) -> Response:
    with context.db.read() as session:  # one read for both tokens and the destination
        try:
            service = xsuaa_tokens.verify_access_token(session, _bearer(request))
        except xsuaa_tokens.InvalidToken:
            raise NotAuthenticated([f'{BEARER_CHALLENGE}, error="invalid_token"']) from None
        if request.headers.get("x-user-token") is not None and request.headers.get("x-tenant") is not None:
            return error_response(400, "The headers X-user-token and X-tenant must not be used together")
        skip_tokens = _flag(request, "$skipTokenRetrieval")
        skip_credentials = _flag(request, "$skipCredentials")
        include_owner = v1 or _include_owner(request)
        found = find_destination(session, context.box, name, level)
        caller = None if skip_tokens else _caller(service, request, session)
    headers = {"ETag": found.etag}
    none_match = _etags(request.headers.get("if-none-match"))
    if none_match and (found.etag in none_match or "*" in none_match):
        return Response(status_code=304, headers=headers)
    if_match = _etags(request.headers.get("if-match"))
    if if_match and found.etag not in if_match and "*" not in if_match:
        return error_response(412, f"Destination '{name}' has changed: its ETag is {found.etag}", headers)
    body: dict[str, Any] = {}
    if include_owner:
        body["owner"] = found.owner()
    body["destinationConfiguration"] = found.configuration(skip_credentials=skip_credentials)
    if caller is not None:  # token retrieval runs outside the read: it may sign and call the token service
        runtime = find_runtime(request.app)
        retrieval = TokenRetrieval(context.db, context.box, runtime.http, runtime.cache)
        tokens = auth_tokens_for(found, caller, retrieval)
        if tokens is not None:
            body["authTokens"] = [token.as_dict() for token in tokens]
    return JSONResponse(body, headers=headers)


@router.get("/v1/destinations/{name}")
def find_v1(name: str, request: Request, context: ServiceContext = Depends(_context)) -> Response:
    """Find a destination: instance level, then subaccount level; the answer carries ``owner``."""
    return _find(name, None, request, context, v1=True)


@router.get("/v2/destinations/{name}@{level}")
def find_v2_at_level(name: str, level: str, request: Request, context: ServiceContext = Depends(_context)) -> Response:
    """Consume a destination at ``level`` (subaccount, provider_subaccount, instance, provider_instance)."""
    return _find(name, level, request, context, v1=False)


@router.get("/v2/destinations/{name}")
def find_v2(name: str, request: Request, context: ServiceContext = Depends(_context)) -> Response:
    """Consume a destination on the default levels (instance, then subaccount)."""
    return _find(name, None, request, context, v1=False)
