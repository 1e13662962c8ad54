"""What every cockpit page handler shares: the service context, and domain work off the event loop.

Each page runs the same domain functions as the JSON API inside one ``db.transaction()`` (or one read), in the
thread pool: the database drivers are synchronous, and a broken rule rolls the whole unit of work back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trustbridge.subaccount.api.context import ServiceContext, get_context

T = TypeVar("T")


def context_of(request: Request) -> ServiceContext:
    return get_context(request)


async def in_transaction(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one write transaction: committed when it returns, rolled back when it raises."""
    db = context_of(request).db

    def run() -> T:
        with db.transaction() as session:
            return work(session)

    return await run_in_threadpool(run)


async def reading(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one read-only unit of work."""
    db = context_of(request).db

    def run() -> T:
        with db.read() as session:
            return work(session)

    return await run_in_threadpool(run)


def segment(value: str) -> str:
    """``value`` quoted as one URL path segment (a name never escapes its place in a link)."""
    return quote(value, safe="")
