"""Units of work for async handlers: the database drivers are synchronous, so the work runs in the thread pool.

``read`` runs ``work`` in ``db.read()``; ``write`` runs it in ``db.transaction()`` (committed when it returns,
rolled back when it raises). Every web handler — the APIs and the pages of both services — goes through these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trustbridge.storage.database import Database

T = TypeVar("T")


async def read(db: Database, work: Callable[[Session], T]) -> T:
    def run() -> T:
        with db.read() as session:
            return work(session)

    return await run_in_threadpool(run)


async def write(db: Database, work: Callable[[Session], T]) -> T:
    def run() -> T:
        with db.transaction() as session:
            return work(session)

    return await run_in_threadpool(run)
