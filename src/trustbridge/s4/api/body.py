"""Reading request bodies: size-capped raw bytes, and JSON objects whose fields are type-checked by hand.

A body that is not JSON, not an object, has a field of the wrong type or an unknown field is a 400 (docs/api.md);
a missing required string reads as ``""`` so that the domain reports it as ``<field>_required`` (422).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from fastapi import Request

from trustbridge.errors import Collector, FieldError
from trustbridge.s4.api.exceptions import MalformedRequest, PayloadTooLarge
from trustbridge.s4.unset import UNSET, Unset

MAX_JSON_BYTES: Final = 64 * 1024


async def read_body(request: Request, limit: int, field: str = "body") -> bytes:
    """The raw body, refused (413) beyond ``limit`` bytes without reading more than ``limit + 1``."""
    too_large = PayloadTooLarge(
        f"The request body exceeds {limit} bytes", [FieldError(field, "too_large", f"At most {limit} bytes")]
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await read_body(request, MAX_JSON_BYTES)
    if not raw.strip():
        raise MalformedRequest("The request body must be a JSON object")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedRequest("The request body must be a JSON object")
    return value


class Fields:
    """Typed access to a JSON object's fields; collects type errors and unknown fields, raised by :meth:`done`."""

    def __init__(self, body: dict[str, Any], allowed: Iterable[str]) -> None:
        self._body = body
        self._errors = Collector()
        names = set(allowed)
        for key in body:
            if key not in names:
                self._errors.add(key, "unknown_field", f"Unknown field {key!r}; allowed: {', '.join(sorted(names))}")

    def _wrong(self, name: str, expected: str) -> None:
        self._errors.add(name, "wrong_type", f"{name} must be {expected}")

    def required_string(self, name: str) -> str:
        value = self._body.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self._wrong(name, "a string")
            return ""
        return value

    def optional_string(self, name: str) -> str | None:
        """Absent and ``null`` are both ``None``."""
        value = self._body.get(name)
        if value is None or isinstance(value, str):
            return value
        self._wrong(name, "a string or null")
        return None

    def string(self, name: str) -> str | Unset:
        if name not in self._body:
            return UNSET
        value = self._body[name]
        if not isinstance(value, str):
            self._wrong(name, "a string")
            return UNSET
        return value

    def nullable_string(self, name: str) -> str | Unset | None:
        if name not in self._body:
            return UNSET
        value = self._body[name]
        if value is not None and not isinstance(value, str):
            self._wrong(name, "a string or null")
            return UNSET
        return value

    def boolean(self, name: str) -> bool | Unset:
        if name not in self._body:
            return UNSET
        value = self._body[name]
        if not isinstance(value, bool):
            self._wrong(name, "true or false")
            return UNSET
        return value

    def string_list(self, name: str) -> list[str] | Unset:
        if name not in self._body:
            return UNSET
        value = self._body[name]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._wrong(name, "a list of strings")
            return UNSET
        return list(value)

    def done(self) -> None:
        if self._errors.errors:
            errors = self._errors.errors
            message = errors[0].message if len(errors) == 1 else "The request is malformed"
            raise MalformedRequest(message, list(errors))
