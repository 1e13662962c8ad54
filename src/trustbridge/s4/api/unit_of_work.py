"""Run domain code off the event loop: every write in one ``db.transaction()``, reads in ``db.read()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from trustbridge.storage import Database, off_loop

T = TypeVar("T")


def database(request: Request) -> Database:
    return cast(Database, request.app.state.db)


async def write(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one transaction: it commits when ``work`` returns, and nothing is kept when it raises."""
    return await off_loop.write(database(request), work)


async def read(request: Request, work: Callable[[Session], T]) -> T:
    return await off_loop.read(database(request), work)


def ok(content: object, status_code: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status_code)
