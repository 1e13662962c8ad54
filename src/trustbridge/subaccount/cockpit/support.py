"""What every cockpit page handler shares: the service context, and domain work off the event loop.

Each page runs the same domain functions as the JSON API inside one ``db.transaction()`` (or one read), in the
thread pool: the database drivers are synchronous, and a broken rule rolls the whole unit of work back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from trustbridge.storage import off_loop
from trustbridge.subaccount.api.context import ServiceContext, get_context

T = TypeVar("T")


def context_of(request: Request) -> ServiceContext:
    return get_context(request)


async def in_transaction(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one write transaction: committed when it returns, rolled back when it raises."""
    return await off_loop.write(context_of(request).db, work)


async def reading(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in one read-only unit of work."""
    return await off_loop.read(context_of(request).db, work)
