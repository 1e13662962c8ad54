"""Helpers of the destination-find tests (no tests here): the whole chain in one process.

The subaccount app and the S/4 app share one database with the demo landscape applied; the find's token
requests go to the S/4 app in-process (``AppTransport``), every other URL over the real network. Service and
user JWTs come from the subaccount's own authorization server (``xsuaa.tokens``).
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.local import LandscapeOptions, LocalLandscape, local_clients, open_local
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.api.find import FindRuntime, configure_find
from trustbridge.subaccount.xsuaa import tokens as xsuaa_tokens
from trustbridge.subaccount.xsuaa.bindings import DESTINATION_BINDING, find_binding

OPTIONS = LandscapeOptions(subaccount_port=18081, s4_port=18082, key_size=2048)
S4_LOCAL = "http://127.0.0.1:18082"
TOKEN_PATH = "/sap/bc/sec/oauth2/token"
SPI_REPLICATION = "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
SERVICE_CLIENT = "sb-trustbridge-destination!b1"


class AppTransport(httpx.BaseTransport):
    """Sends requests to an ASGI app through Starlette's TestClient and records each request's path."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        # Re-issued rather than `client.send(request)`: Starlette's TestClient is built on httpx2 when that is
        # installed (sap-cloud-sdk, a test dependency, pulls it in), and httpx2 refuses httpx's request objects.
        answer = self.client.request(
            request.method, str(request.url), headers=request.headers.multi_items(), content=request.read()
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Xsuaa:
    """Tokens of the subaccount's real authorization server (the Destination binding's client by default)."""

    db: Database
    box: SecretBox
    client_id: str

    def client_token(self, client_id: str | None = None) -> str:
        with self.db.transaction() as session:
            return xsuaa_tokens.issue_client_token(session, self.box, client_id=client_id or self.client_id)

    def user_token(self, login: str, client_id: str | None = None) -> str:
        with self.db.transaction() as session:
            return xsuaa_tokens.issue_user_token(session, self.box, client_id=client_id or self.client_id, login=login)


@dataclass
class Chain:
    landscape: LocalLandscape
    secrets: demo.DemoSecrets
    s4: TestClient
    s4_transport: AppTransport
    runtime: FindRuntime
    xsuaa: Xsuaa

    @property
    def db(self) -> Database:
        return self.landscape.database

    @property
    def token_calls(self) -> int:
        return self.s4_transport.calls.count(TOKEN_PATH)

    def subaccount_admin(self) -> TestClient:
        return TestClient(self.landscape.subaccount_app, headers={"Authorization": self._basic("subaccount")})

    def s4_admin(self) -> TestClient:
        return TestClient(self.landscape.s4_app, headers={"Authorization": self._basic("s4")})

    def _basic(self, service: str) -> str:
        credentials = f"admin:{self.landscape.admin_password(service)}".encode()
        return "Basic " + base64.b64encode(credentials).decode()

    def opens_spi_root(self, header_value: str) -> int:
        status: int = self.s4.get(SPI_REPLICATION, headers={"Authorization": header_value}).status_code
        return status


def _apply_demo(landscape: LocalLandscape, spec: Any) -> None:
    async def run() -> None:
        async with local_clients(landscape) as (subaccount, s4):
            await apply_landscape(spec, subaccount, s4)

    asyncio.run(run())


@contextmanager
def open_chain(settings: Settings) -> Iterator[Chain]:
    """The demo landscape applied, the find wired to the S/4 app, tokens from the subaccount's XSUAA."""
    landscape = open_local(settings, OPTIONS)
    secrets_ = demo.load_or_create_secrets(settings.data_dir)
    _apply_demo(landscape, demo.with_host_name(demo.demo_spec(secrets_), "my300000.s4hana.ondemand.com"))
    s4 = TestClient(landscape.s4_app)
    transport = AppTransport(s4)
    runtime = configure_find(landscape.subaccount_app, http=httpx.Client(mounts={S4_LOCAL: transport}))
    box = SecretBox.from_settings(settings)
    with landscape.database.read() as session:
        binding = find_binding(session, DESTINATION_BINDING)
        assert binding is not None
        client_id = binding.clientid
    xsuaa = Xsuaa(landscape.database, box, client_id)
    try:
        yield Chain(landscape, secrets_, s4, transport, runtime, xsuaa)
    finally:
        runtime.close()
        s4.close()
        landscape.close()
