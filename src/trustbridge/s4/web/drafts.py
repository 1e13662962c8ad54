"""A page's domain work: read, commit, or preview (run it, then keep nothing) — off the event loop.

A preview runs the very functions a save runs, inside ``db.transaction()``, and then rolls the transaction back
with a private exception: the page shows what the domain said (errors, warnings, filled values) while the
database stays as it was (docs/web.md, "Drafts").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trustbridge.storage import Database, off_loop
from trustbridge.storage.off_loop import read

__all__ = ["commit", "preview", "read", "transact"]

T = TypeVar("T")


class _Discard(Exception):
    """Raised inside the transaction to roll it back after the work has produced its result."""


async def transact(db: Database, work: Callable[[Session], T], *, keep: Callable[[T], bool]) -> T:
    """``work`` in one transaction, committed when ``keep(result)`` holds and rolled back otherwise.

    A ``DomainError`` raised by ``work`` rolls back too, and propagates.
    """

    def run() -> T:
        results: list[T] = []
        try:
            with db.transaction() as session:
                results.append(work(session))
                if not keep(results[0]):
                    raise _Discard
        except _Discard:
            pass
        return results[0]

    return await run_in_threadpool(run)


async def commit(db: Database, work: Callable[[Session], T]) -> T:
    return await off_loop.write(db, work)


async def preview(db: Database, work: Callable[[Session], T]) -> T:
    return await transact(db, work, keep=lambda _: False)
