"""The token request the Destination service sends to a destination's ``tokenServiceURL`` (RFC 6749 §4.4, RFC 7522).

One function, :func:`request_token`: POST an ``application/x-www-form-urlencoded`` body, optional HTTP Basic
client authentication, the destination's static extras — ``tokenServiceURL.headers.<h>`` (headers),
``tokenServiceURL.queries.<q>`` (query parameters), ``tokenService.body.<p>`` (form parameters; they never
replace a parameter the grant sets) — and its timeouts ``tokenServiceURL.ConnectionTimeoutInSeconds`` and
``…SocketReadTimeoutInSeconds`` (default 10 s each; ``0`` = no limit, as in Java) [CONN-SAML, research §A].

Every failure is a :class:`TokenRequestFailed` whose message says which step failed in words an administrator
can act on — an unreachable service, a timeout, or the token service's own ``<error>: <error_description>``
(S/4 names the check that failed, e.g. the audience). The messages never contain the request's secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

DEFAULT_TIMEOUT_SECONDS: Final = 10.0
CONNECT_TIMEOUT: Final = "tokenServiceURL.ConnectionTimeoutInSeconds"
READ_TIMEOUT: Final = "tokenServiceURL.SocketReadTimeoutInSeconds"
HEADER_PREFIX: Final = "tokenServiceURL.headers."
QUERY_PREFIX: Final = "tokenServiceURL.queries."
BODY_PREFIX: Final = "tokenService.body."
MAX_ERROR_TEXT: Final = 500


class TokenRequestFailed(Exception):
    """The token service could not be asked or refused; ``message`` is for the ``authTokens[].error`` text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TokenResponse:
    """A successful token response (RFC 6749 §5.1). ``repr`` hides the token."""

    access_token: str
    token_type: str
    expires_in: int | None
    scope: str | None

    def __repr__(self) -> str:
        return f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in!r}, scope={self.scope!r})"


def _seconds(properties: Mapping[str, str], key: str) -> float | None:
    raw = properties.get(key, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(int(raw))
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS  # validated on save (D6); an older value falls back to the default
    return None if value <= 0 else value  # 0 = no limit (Java's convention)


def timeout_of(properties: Mapping[str, str]) -> httpx.Timeout:
    """``ConnectionTimeoutInSeconds`` for connecting, ``SocketReadTimeoutInSeconds`` for each read and write."""
    connect = _seconds(properties, CONNECT_TIMEOUT)
    read = _seconds(properties, READ_TIMEOUT)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _extras(properties: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {key[len(prefix) :]: value for key, value in properties.items() if key.startswith(prefix) and key != prefix}


def _clean(text: str) -> str:
    """One line, bounded: the token service's text goes into a JSON string an administrator reads."""
    single = " ".join(text.split())
    return single if len(single) <= MAX_ERROR_TEXT else single[: MAX_ERROR_TEXT - 1] + "…"


def _error_text(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        if isinstance(description, str) and description:
            return _clean(f"{body['error']}: {description}")
        return _clean(body["error"])
    return f"HTTP {response.status_code} without an OAuth error body"


def _parse_success(url: str, response: httpx.Response) -> TokenResponse:
    try:
        body: Any = response.json()
    except ValueError:
        raise TokenRequestFailed(f"Token service {url} answered HTTP {response.status_code} without JSON") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenRequestFailed(f"Token service {url} answered HTTP {response.status_code} without an access_token")
    token_type = body.get("token_type")
    expires_in = body.get("expires_in")
    if isinstance(expires_in, str) and expires_in.strip().isdigit():
        expires_in = int(expires_in)
    scope = body.get("scope")
    return TokenResponse(
        access_token=token,
        token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        expires_in=expires_in if isinstance(expires_in, int) and not isinstance(expires_in, bool) else None,
        scope=scope if isinstance(scope, str) else None,
    )


def request_token(
    client: httpx.Client,
    url: str,
    form: Mapping[str, str],
    properties: Mapping[str, str],
    *,
    basic: tuple[str, str] | None = None,
) -> TokenResponse:
    """POST ``form`` (plus ``tokenService.body.*``) to ``url``; the parsed token or :class:`TokenRequestFailed`."""
    data = {**_extras(properties, BODY_PREFIX), **form}  # the grant's own parameters win
    headers = {"Accept": "application/json", **_extras(properties, HEADER_PREFIX)}
    params = _extras(properties, QUERY_PREFIX)
    request = client.build_request(
        "POST", url, data=data, headers=headers, params=params or None, timeout=timeout_of(properties)
    )
    if basic is not None:
        request = next(httpx.BasicAuth(*basic).auth_flow(request))
    try:
        response = client.send(request, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise TokenRequestFailed(f"Token service {url} did not answer in time ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise TokenRequestFailed(f"Token service {url} could not be reached ({type(exc).__name__})") from None
    if response.status_code == 200:
        return _parse_success(url, response)
    raise TokenRequestFailed(f"Token service {url} answered HTTP {response.status_code}: {_error_text(response)}")
