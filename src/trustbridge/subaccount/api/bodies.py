"""Request-body rules shared by the routers (FastAPI dependencies)."""

from __future__ import annotations

import json

from fastapi import Request

from trustbridge.errors import DomainError

EMPTY_BODY_MESSAGE = "Request body should be empty!"  # SAP's text [SPEC POST …/certificate, 400 example]


class BadRequest(DomainError):
    """A request the service cannot read (HTTP 400)."""

    status = 400


async def require_empty_body(request: Request) -> None:
    """The trust-certificate POSTs take no body [SPEC]: any byte is a 400 with SAP's message."""
    if await request.body():
        raise BadRequest(EMPTY_BODY_MESSAGE)


async def json_body(request: Request) -> object:
    """The request body parsed as JSON; a missing or malformed body is a 400 [SPEC "Missing request body etc."]."""
    return _parse(await request.body(), "a destination (JSON object) or destinations (JSON array)")


async def json_object_body(request: Request) -> dict[str, object]:
    """The request body as a JSON object (trustbridge's extensions); anything else is a 400."""
    parsed = _parse(await request.body(), "a JSON object")
    if not isinstance(parsed, dict):
        raise BadRequest("Request body must be a JSON object")
    return parsed


def _parse(raw: bytes, expected: str) -> object:
    if not raw.strip():
        raise BadRequest(f"Request body is missing: send {expected}")
    try:
        parsed: object = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from exc
    return parsed
