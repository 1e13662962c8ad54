"""One-time use holds across several server processes sharing one database, and across a restart."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.local import LandscapeOptions, local_clients, open_local
from trustbridge.pki.encryption import SecretBox
from trustbridge.saml.assertion import AssertionContent, build_assertion
from trustbridge.saml.signer import sign, to_bytes
from trustbridge.subaccount.trust import active_signing_key

from .test_up_demo import _free_port


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "trustbridge.s4.api.asgi:create_from_environment",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("server did not start")


@pytest.fixture
def landscape_env(settings: Settings) -> Iterator[tuple[Settings, dict[str, str], demo.DemoSecrets, int]]:
    port = _free_port()
    options = LandscapeOptions(subaccount_port=_free_port(), s4_port=port, key_size=2048)
    landscape = open_local(settings, options)
    secrets = demo.load_or_create_secrets(settings.data_dir)
    spec = demo.with_host_name(demo.demo_spec(secrets), "my300000.s4hana.ondemand.com")

    async def run() -> None:
        async with local_clients(landscape) as (subaccount, s4):
            await apply_landscape(spec, subaccount, s4)

    asyncio.run(run())
    landscape.close()
    env = {
        **os.environ,
        "TRUSTBRIDGE_DATA_DIR": str(settings.data_dir),
        "TRUSTBRIDGE_DATABASE_URL": settings.database_url,
    }
    yield settings, env, secrets, port


def _assertion(settings: Settings, secrets: demo.DemoSecrets, token_url: str) -> str:
    from trustbridge.storage import Database

    db = Database(settings.database_url)
    with db.read() as session:
        signing = active_signing_key(session, SecretBox.from_settings(settings))
    db.dispose()
    element = build_assertion(
        AssertionContent(
            issuer=signing.subject_cn,
            name_id=secrets.users[0].user_uuid,
            audience="https://my300000.s4hana.ondemand.com",
            recipient=token_url,
        )
    )
    return base64.urlsafe_b64encode(to_bytes(sign(element, signing.private_key))).decode()


def test_an_assertion_is_accepted_once_across_two_processes_and_a_restart(
    landscape_env: tuple[Settings, dict[str, str], demo.DemoSecrets, int], tmp_path: Path
) -> None:
    settings, env, secrets, port = landscape_env
    second_port = _free_port()
    log = tmp_path / "servers.log"
    servers = [_serve(port, env, log), _serve(second_port, env, log)]
    urls = [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{second_port}"]
    try:
        for url, process in zip(urls, servers, strict=True):
            _wait(url, process)
        token_url = f"{urls[0]}/sap/bc/sec/oauth2/token"
        auth = (demo.COMMUNICATION_USER, secrets.communication_user_password)

        def post(url: str, assertion: str) -> httpx.Response:
            form = {
                "grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer",
                "assertion": assertion,
                "client_id": demo.COMMUNICATION_USER,
            }
            return httpx.post(f"{url}/sap/bc/sec/oauth2/token", data=form, auth=auth, timeout=30)

        for _ in range(4):
            assertion = _assertion(settings, secrets, token_url)
            with ThreadPoolExecutor(4) as pool:
                results = list(pool.map(post, urls * 2, [assertion] * 4))
            statuses = sorted(r.status_code for r in results)
            assert statuses == [200, 400, 400, 400], [r.text for r in results]
            assert all(r.json()["error"] == "invalid_grant" for r in results if r.status_code == 400)

        # restart both: the replay cache is in the database, so the last assertion stays used
        for process in servers:
            process.terminate()
            process.wait(timeout=20)
        servers = [_serve(port, env, log)]
        _wait(urls[0], servers[0])
        again = post(urls[0], assertion)
        assert again.status_code == 400, again.text
        assert "already used" in again.json()["error_description"]
    finally:
        for process in servers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
