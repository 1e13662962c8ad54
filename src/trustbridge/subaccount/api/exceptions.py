"""Domain errors → SAP's Destination service error answers.

Bodies are ``{"ErrorMessage": "…"}`` (the spec's ``JsonErrorMessage``), naming every broken rule; status codes
as the spec: 400 invalid request (``ValidationFailed`` too — the spec has no 422), 404, 409 (POST of an
existing name), 412. A 401 carries the spec's plain ``Error`` string ``Unauthorized`` [SPEC] and a
``WWW-Authenticate`` challenge per accepted scheme.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustbridge.errors import DomainError, ValidationFailed
from trustbridge.subaccount.api.auth import NotAuthenticated
from trustbridge.subaccount.destinations import message_of


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"ErrorMessage": message}, status_code=status, headers=headers)


def status_of(error: DomainError) -> int:
    return 400 if isinstance(error, ValidationFailed) else error.status


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(status_of(exc), message_of(exc))


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticated)
    response = PlainTextResponse("Unauthorized", status_code=401)
    for challenge in exc.challenges:
        response.headers.append("WWW-Authenticate", challenge)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
    return error_response(400, f"Bad Request: {problems}")


async def _integrity_error(request: Request, exc: Exception) -> Response:
    return error_response(409, "The request collides with a concurrent change; repeat it")


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(IntegrityError, _integrity_error)
