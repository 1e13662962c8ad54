"""Serve the subaccount and the S/4 tenant on one event loop, each with its own uvicorn server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI


class _QuietSignalsServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve_apps`, which stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_apps(apps: list[tuple[FastAPI, str, int]], *, log_level: str = "warning") -> None:
    """Run every ``(app, host, port)`` until SIGINT or SIGTERM, then shut all of them down gracefully."""
    servers = [
        _QuietSignalsServer(uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False))
        for app, host, port in apps
    ]

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()  # one server ended (or failed to bind): stop the other too
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if any(not server.started for server in servers):
            raise SystemExit("a server could not start (is the port in use?)")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
