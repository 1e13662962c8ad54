"""Authlib's ``AuthorizationServer`` for plain data: a parsed form in, ``(status, body, headers)`` out.

Authlib ships server integrations for Flask and Django only; this ~50-line adapter is what a Starlette/FastAPI
app needs, and it keeps the protocol testable without HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import AuthorizationServer, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request

MAX_FORM_BYTES = 256 * 1024


@dataclass(frozen=True)
class TokenRequest:
    """An HTTP request to the token endpoint, as plain data."""

    method: str
    uri: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    content_type: str = ""
    form: dict[str, str] | None = None  # filled by FormTokenServer.respond after parse_form


@dataclass(frozen=True)
class TokenResponse:
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)


def _https(uri: str) -> str:
    return "https://" + uri.split("://", 1)[-1] if uri.startswith("http://") else uri


def parse_form(request: TokenRequest) -> dict[str, str]:
    """The ``application/x-www-form-urlencoded`` body (RFC 6749 §3.2), each parameter at most once."""
    if request.method != "POST":
        raise InvalidRequestError(description="the token endpoint accepts POST only")
    media_type = request.content_type.split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise InvalidRequestError(description="the body must be application/x-www-form-urlencoded")
    if len(request.body) > MAX_FORM_BYTES:
        raise InvalidRequestError(description=f"the request body is larger than {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(request.body.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError(description="the request body is not a valid form") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            # RFC 6749 §3.2: request parameters MUST NOT be included more than once.
            raise InvalidRequestError(description=f"parameter '{key}' is included more than once")
        form[key] = value
    return form


class FormTokenServer(AuthorizationServer):  # type: ignore[misc]
    """An Authlib authorization server whose requests are :class:`TokenRequest` and responses plain data."""

    def create_oauth2_request(self, request: TokenRequest) -> OAuth2Request:
        # Authlib refuses http:// URIs other than loopback. Whether TLS terminates in front of trustbridge is a
        # deployment matter (docs/decisions.md); the URI serves no other purpose here, so the check is given
        # the HTTPS form of the same path.
        oauth_request = OAuth2Request(request.method, _https(request.uri), headers=request.headers)
        oauth_request.payload = BasicOAuth2Payload(dict(request.form or {}))
        return oauth_request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> TokenResponse:
        return TokenResponse(status, body if isinstance(body, dict) else json.loads(body), list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def respond(self, request: TokenRequest) -> TokenResponse:
        """The token endpoint: RFC 6749 §5.1 on success, §5.2 errors otherwise."""
        try:
            form = parse_form(request)
        except OAuth2Error as error:
            status, body, headers = error()
            return TokenResponse(status, dict(body), list(headers))
        response: TokenResponse = self.create_token_response(replace(request, form=form))
        return response
