"""Destination find over real HTTP (uvicorn, one worker each): cold find, and cached find vs a bare endpoint.

    .venv/bin/python -m bench.destination_find [--requests 2000] [--rounds 5] [--cold 9] [--key-size 4096] [--json]
    bench/run destination_find [same options]

One run: builds the demo landscape in a temporary data dir (SQLite, the embedded default) with the destination's
``tokenServiceURL`` on a free port, starts the S/4 tenant (``trustbridge.s4.api.asgi``) and the subaccount
(``bench.find_app``: the app plus a bare endpoint) as two uvicorn processes, one worker each, and gets the tokens
the way an application does: a ``client_credentials`` token of the ``destination`` binding and a ``password``
token of each demo user from ``{subaccount}/oauth/token``. Then, over one keep-alive connection:

(a) cold find — ``--cold`` samples, each after emptying the find's token cache (``POST /bench/clear-token-cache``),
    rotating over the demo users: verify both JWTs, read the destination, build and sign the SAML assertion,
    exchange it at S/4's token endpoint over HTTP. Median and range in ms; the very first find after start
    (connection set-up to S/4 included) is shown apart.
(b) cached find — ``GET /destination-configuration/v1/destinations/S4HANACloud`` with ``Authorization`` and
    ``X-user-token``, answered from the token cache, vs ``GET /bench/bare`` with the same headers: alternating
    rounds, requests/s and the ratio. Goal (issue C item 6): cached find ≥ 0.8 × bare. ``/bench/bare-async``
    (no thread-pool hop) is measured alongside for information.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.local import LandscapeOptions, local_clients, open_local
from trustbridge.pki.encryption import SecretBox
from trustbridge.subaccount.xsuaa.bindings import binding_credentials

from .find_app import BARE_ASYNC_PATH, BARE_PATH, CLEAR_PATH

FIND_PATH = f"/destination-configuration/v1/destinations/{demo.DESTINATION}"
GOAL = 0.8


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(factory: str, port: int, env: dict[str, str]) -> Iterator[None]:
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_healthy(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{client.base_url} did not start")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="cached finds in all (as many bare requests)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", type=int, default=9, help="cold-find samples (token cache emptied before each)")
    parser.add_argument("--key-size", type=int, default=4096, help="trust certificate key (signs the assertion)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "landscape"
        sub_port, s4_port = _port(), _port()
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'trustbridge.db'}")
        options = LandscapeOptions(s4_port=s4_port, subaccount_port=sub_port, key_size=args.key_size)
        landscape = open_local(settings, options)
        secrets = demo.load_or_create_secrets(settings.data_dir)
        spec = demo.with_host_name(demo.demo_spec(secrets), f"{options.tenant}.{options.domain}")

        async def build() -> None:
            async with local_clients(landscape) as (subaccount, s4):
                await apply_landscape(spec, subaccount, s4)

        asyncio.run(build())
        with landscape.database.read() as session:
            binding = binding_credentials(session, SecretBox.from_settings(settings), options.subaccount_url)
        landscape.close()
        env = {
            **os.environ,
            "TRUSTBRIDGE_DATA_DIR": str(data_dir),
            "TRUSTBRIDGE_DATABASE_URL": settings.database_url,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }
        with (
            _server("trustbridge.s4.api.asgi:create_from_environment", s4_port, env),
            _server("bench.find_app:create", sub_port, env),
            httpx.Client(base_url=options.s4_url, timeout=30) as s4_client,
            httpx.Client(base_url=options.subaccount_url, timeout=30) as client,
        ):
            _wait_healthy(s4_client)
            _wait_healthy(client)
            result = _measure(client, binding, secrets, args)
    result["key_size"] = args.key_size
    if args.json:
        print(json.dumps(result, indent=2))
        return
    _print(result)


def _token(client: httpx.Client, form: dict[str, str]) -> str:
    response = client.post("/oauth/token", data=form)
    if response.status_code != 200:
        raise SystemExit(f"token request failed: {response.status_code} {response.text}")
    token: str = response.json()["access_token"]
    return token


def _find(client: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(FIND_PATH, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"find failed: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    entry = body["authTokens"][0]
    if entry.get("type") != "Bearer":
        raise SystemExit(f"find answered no token: {entry.get('error')}")
    return body


def _measure(
    client: httpx.Client, binding: dict[str, str], secrets: demo.DemoSecrets, args: argparse.Namespace
) -> dict[str, Any]:
    credentials = {"client_id": binding["clientid"], "client_secret": binding["clientsecret"]}
    service = _token(client, {"grant_type": "client_credentials", **credentials})
    user_headers = []
    for user in secrets.users:
        form = {"grant_type": "password", "username": user.login, "password": user.password, **credentials}
        user_headers.append({"Authorization": f"Bearer {service}", "X-user-token": _token(client, form)})

    # (a) cold finds: token cache emptied before each, users in turn
    start = time.perf_counter()
    _find(client, user_headers[0])
    first_ms = (time.perf_counter() - start) * 1000
    cold: list[float] = []
    for i in range(args.cold):
        client.post(CLEAR_PATH).raise_for_status()
        start = time.perf_counter()
        _find(client, user_headers[i % len(user_headers)])
        cold.append((time.perf_counter() - start) * 1000)

    # (b) cached find vs bare, same headers, alternating rounds
    headers = user_headers[0]
    for _ in range(50):  # warm-up: caches, connection, code paths
        _find(client, headers)
        client.get(BARE_PATH, headers=headers)
        client.get(BARE_ASYNC_PATH, headers=headers)
    per_round = max(1, args.requests // args.rounds)
    times = {"bare": 0.0, "bare_async": 0.0, "find": 0.0}
    ratios: list[float] = []
    for _ in range(args.rounds):
        took: dict[str, float] = {}
        for label, path in (("bare", BARE_PATH), ("find", FIND_PATH), ("bare_async", BARE_ASYNC_PATH)):
            start = time.perf_counter()
            for _ in range(per_round):
                if client.get(path, headers=headers).status_code != 200:
                    raise SystemExit(f"{path} failed")
            took[label] = time.perf_counter() - start
            times[label] += took[label]
        ratios.append(took["bare"] / took["find"])
    count = per_round * args.rounds
    return {
        "first_find_ms": first_ms,
        "cold_find_ms_median": statistics.median(cold),
        "cold_find_ms_min": min(cold),
        "cold_find_ms_max": max(cold),
        "cold_samples": len(cold),
        "requests": count,
        "rounds": args.rounds,
        "bare_per_s": count / times["bare"],
        "bare_async_per_s": count / times["bare_async"],
        "find_per_s": count / times["find"],
        "bare_ms": times["bare"] / count * 1000,
        "bare_async_ms": times["bare_async"] / count * 1000,
        "find_ms": times["find"] / count * 1000,
        "ratio": times["bare"] / times["find"],
        "ratio_rounds_min": min(ratios),
        "ratio_rounds_max": max(ratios),
        "ratio_vs_async": times["bare_async"] / times["find"],
        "goal": GOAL,
    }


def _print(r: dict[str, Any]) -> None:
    print(f"destination find over HTTP (uvicorn, 1 worker each, SQLite), trust key RSA {r['key_size']}")
    print(f"  {'case':<34}{'value':>12}")
    print(f"  {'first find after start (cold)':<34}{r['first_find_ms']:>9.1f} ms")
    cold = f"{r['cold_find_ms_median']:>9.1f} ms  (median of {r['cold_samples']}, "
    print(f"  {'cold find (sign + exchange)':<34}{cold}{r['cold_find_ms_min']:.1f}–{r['cold_find_ms_max']:.1f})")
    print(f"  {'bare endpoint (def)':<34}{r['bare_per_s']:>9.0f} /s  ({r['bare_ms']:.3f} ms/req)")
    print(f"  {'bare endpoint (async def)':<34}{r['bare_async_per_s']:>9.0f} /s  ({r['bare_async_ms']:.3f} ms/req)")
    print(f"  {'cached find':<34}{r['find_per_s']:>9.0f} /s  ({r['find_ms']:.3f} ms/req)")
    spread = f"rounds {r['ratio_rounds_min']:.2f}–{r['ratio_rounds_max']:.2f}"
    print(f"  {'ratio cached find / bare':<34}{r['ratio']:>12.2f}  ({spread}; goal >= {r['goal']})")
    print(f"  {'ratio cached find / bare async':<34}{r['ratio_vs_async']:>12.2f}  ({r['requests']} requests each)")


if __name__ == "__main__":
    main()
