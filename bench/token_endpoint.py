"""Token endpoint over real HTTP (uvicorn, one worker) vs a bare endpoint on the same server, same body.

    .venv/bin/python -m bench.token_endpoint [--requests 400] [--key-size 4096] [--json]

One run: builds the demo landscape in a temporary data dir (SQLite, the embedded default), pre-signs one
fresh assertion per token request (assertions are one-time), starts one uvicorn worker, then alternates
rounds of bare and token requests over one keep-alive connection and reports requests/s and the ratio.
Goal (issue B): token endpoint ≥ 0.5 × bare.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.local import LandscapeOptions, local_clients, open_local
from trustbridge.pki.encryption import SecretBox
from trustbridge.saml.assertion import AssertionContent, build_assertion
from trustbridge.saml.signer import sign, to_bytes
from trustbridge.subaccount.trust import active_signing_key

GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="token requests in all (each needs an assertion)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--key-size", type=int, default=4096)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "landscape"
        port = _port()
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'trustbridge.db'}")
        options = LandscapeOptions(s4_port=port, subaccount_port=_port(), key_size=args.key_size)
        landscape = open_local(settings, options)
        secrets = demo.load_or_create_secrets(settings.data_dir)
        spec = demo.with_host_name(demo.demo_spec(secrets), "my300000.s4hana.ondemand.com")

        async def build() -> None:
            async with local_clients(landscape) as (subaccount, s4):
                await apply_landscape(spec, subaccount, s4)

        asyncio.run(build())
        with landscape.database.read() as session:
            signing = active_signing_key(session, SecretBox.from_settings(settings))
        landscape.close()
        token_url = f"http://127.0.0.1:{port}/sap/bc/sec/oauth2/token"
        user_uuid = secrets.users[0].user_uuid

        def assertion() -> str:
            element = build_assertion(
                AssertionContent(
                    issuer=signing.subject_cn,
                    name_id=user_uuid,
                    audience="https://my300000.s4hana.ondemand.com",
                    recipient=token_url,
                )
            )
            return base64.urlsafe_b64encode(to_bytes(sign(element, signing.private_key))).decode().rstrip("=")

        assertions = [assertion() for _ in range(args.requests)]
        env = {
            **os.environ,
            "TRUSTBRIDGE_DATA_DIR": str(data_dir),
            "TRUSTBRIDGE_DATABASE_URL": settings.database_url,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bench.token_app:create",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        try:
            result = _measure(port, assertions, secrets, args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=20)
    result["key_size"] = args.key_size
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"token endpoint over HTTP (uvicorn, 1 worker, SQLite), RSA {args.key_size}, {args.requests} requests")
    print(f"  bare endpoint   {result['bare_per_s']:8.0f} req/s  ({result['bare_ms']:.2f} ms/req)")
    print(f"  token endpoint  {result['token_per_s']:8.0f} req/s  ({result['token_ms']:.2f} ms/req)")
    print(f"  ratio token/bare {result['ratio']:.2f}  (goal >= 0.5)")


def _measure(port: int, assertions: list[str], secrets: demo.DemoSecrets, rounds: int) -> dict[str, float]:
    base = f"http://127.0.0.1:{port}"
    auth = (demo.COMMUNICATION_USER, secrets.communication_user_password)
    with httpx.Client(base_url=base, auth=auth, timeout=30) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def form(value: str) -> dict[str, str]:
            return {"grant_type": GRANT, "assertion": value, "client_id": demo.COMMUNICATION_USER}

        # warm-up: first client authentication (argon2) and connection set-up are not what is measured
        warm = assertions.pop()
        assert client.post("/sap/bc/sec/oauth2/token", data=form(warm)).status_code == 200
        for _ in range(20):
            client.post("/bench/bare", data=form(warm))
        per_round = len(assertions) // rounds
        bare_time = token_time = 0.0
        count = 0
        for r in range(rounds):
            batch = assertions[r * per_round : (r + 1) * per_round]
            start = time.perf_counter()
            for value in batch:
                client.post("/bench/bare", data=form(value))
            bare_time += time.perf_counter() - start
            start = time.perf_counter()
            for value in batch:
                response = client.post("/sap/bc/sec/oauth2/token", data=form(value))
                if response.status_code != 200:
                    raise SystemExit(f"token request failed: {response.text}")
            token_time += time.perf_counter() - start
            count += len(batch)
    return {
        "requests": count,
        "bare_per_s": count / bare_time,
        "token_per_s": count / token_time,
        "bare_ms": bare_time / count * 1000,
        "token_ms": token_time / count * 1000,
        "ratio": (count / token_time) / (count / bare_time),
    }


if __name__ == "__main__":
    main()
