"""Domain errors → the OData V4 error body of docs/api.md.

``{"error": {"code": "VALIDATION_FAILED", "message": "…", "details": [{"code", "message", "target"}]}}`` — one
``details`` entry per broken rule, ``target`` = the request field. Status codes: 400 malformed request, 401,
404 ``NOT_FOUND``, 409 ``CONFLICT``, 413 ``PAYLOAD_TOO_LARGE`` (recorded), 422 ``VALIDATION_FAILED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustbridge.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed

REALM: Final = "S/4HANA Cloud tenant"


class MalformedRequest(DomainError):
    """The request cannot be read: not JSON, not an object, a field of the wrong type, an unknown field."""

    status = 400


class PayloadTooLarge(DomainError):
    status = 413


class AdminAuthenticationRequired(Exception):
    """No or wrong admin credentials."""


_CODES: Final[dict[type[DomainError], str]] = {
    ValidationFailed: "VALIDATION_FAILED",
    NotFound: "NOT_FOUND",
    Conflict: "CONFLICT",
    MalformedRequest: "BAD_REQUEST",
    PayloadTooLarge: "PAYLOAD_TOO_LARGE",
}
_HTTP_CODES: Final[dict[int, str]] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "VALIDATION_FAILED",
}


def error_body(code: str, message: str, details: Sequence[FieldError] = ()) -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "message": message,
            "details": [{"code": d.code, "message": d.message, "target": d.field or None} for d in details],
        }
    }


def error_response(status: int, code: str, message: str, details: Sequence[FieldError] = ()) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def _code(exc: DomainError) -> str:
    for cls in type(exc).__mro__:
        if cls in _CODES:
            return _CODES[cls]
    return _HTTP_CODES.get(exc.status, "ERROR")


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc.status, _code(exc), exc.message, exc.errors)


async def _unauthorized(_request: Request, _exc: Exception) -> JSONResponse:
    response = error_response(401, "UNAUTHORIZED", "Admin credentials required (HTTP Basic, user admin)")
    response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return response


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "ERROR"), str(exc.detail))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        FieldError(str(error.get("loc", ("", ""))[-1]), "wrong_type", str(error.get("msg", "invalid")))
        for error in exc.errors()
    ]
    return error_response(400, "BAD_REQUEST", "The request is malformed", details)


async def _integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    # A uniqueness race the domain checks could not see (two writers at once): nothing was committed.
    return error_response(409, "CONFLICT", "The request collides with a concurrent change; nothing was saved")


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(AdminAuthenticationRequired, _unauthorized)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(IntegrityError, _integrity_error)
