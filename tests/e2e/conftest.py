"""Fixtures of the end-to-end tests: ``trustbridge up --demo`` in a subprocess on free ports (``demo_landscape``).

Factored out of ``test_up_demo.py`` so that the interoperability tests (SAP Cloud SDK for Python) share it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustbridge.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


class Running:
    def __init__(self, data_dir: Path, sub_port: int, s4_port: int, env: dict[str, str], process: Any) -> None:
        self.data_dir = data_dir
        self.subaccount = f"http://127.0.0.1:{sub_port}"
        self.s4 = f"http://127.0.0.1:{s4_port}"
        self.env = env
        self.process = process


@contextlib.contextmanager
def serve_landscape(
    tmp_path: Path, database_url: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[Running]:
    """``trustbridge up *args`` in a subprocess on free ports until healthy; SIGTERM (exit 0 expected) after."""
    data_dir = tmp_path / "landscape"
    sub_port, s4_port = _free_port(), _free_port()
    environment = {**os.environ, "TRUSTBRIDGE_DATABASE_URL": database_url, **(env or {})}
    if database_url.startswith("sqlite"):
        environment.pop("TRUSTBRIDGE_DATABASE_URL")  # the embedded default: SQLite in the data dir
    log_path = tmp_path / "up.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trustbridge.cli.main",
            "up",
            *args,
            "--data-dir",
            str(data_dir),
            "--subaccount-port",
            str(sub_port),
            "--s4-port",
            str(s4_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    running = Running(data_dir, sub_port, s4_port, environment, process)
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"trustbridge up exited: {log_path.read_text()}")
            try:
                if all(
                    httpx.get(f"{url}/healthz", timeout=1).status_code == 200
                    for url in (running.subaccount, running.s4)
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"trustbridge up did not become healthy: {log_path.read_text()}")
            time.sleep(0.2)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
            log.close()


@pytest.fixture
def demo_landscape(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with serve_landscape(tmp_path, database_url, "--demo") as running:
        yield running
