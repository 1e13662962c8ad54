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
    parsed = _parse(await request.body(), "a destination (JSON object) or destinations (JSON array)")
    if not _storable(parsed):
        raise BadRequest(
            "Request body holds a string with a NUL character or an unpaired surrogate escape (\\ud800-\\udfff),"
            " which the service cannot store"
        )
    return parsed


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


def _storable(parsed: object) -> bool:
    """No string in ``parsed`` (keys included) holds NUL — PostgreSQL text cannot — or a lone surrogate, which
    JSON's ``\\uXXXX`` escapes allow but UTF-8 (the database, our answers) cannot encode. Iterative: a body
    nested as deep as the JSON parser allows must not exhaust the stack here."""
    pending: list[object] = [parsed]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and _has_lone_surrogate(item)):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
