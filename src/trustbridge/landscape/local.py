"""A landscape in a local data dir: migrate, bootstrap both services, and talk to them in-process.

``trustbridge up`` serves the same two apps over real HTTP; the CLI's ``apply`` and ``status`` reach them
in-process through httpx's ASGI transport, so they need no running server and still go through the APIs.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from trustbridge.config import DEFAULT_HOST, DEFAULT_S4_PORT, DEFAULT_SUBACCOUNT_PORT, Settings
from trustbridge.errors import DomainError
from trustbridge.landscape.clients import S4Client, SubaccountClient
from trustbridge.landscape.doctor import Check, LocalAccess, diagnose
from trustbridge.pki.encryption import SecretBox
from trustbridge.s4 import tenant as s4_tenant
from trustbridge.s4.api.app import create_app as create_s4_app
from trustbridge.security.admin import ADMIN_USERNAME, AdminBootstrap, admin_password_env
from trustbridge.storage import Database
from trustbridge.subaccount import setup as subaccount_setup
from trustbridge.subaccount.api.app import create_app as create_subaccount_app
from trustbridge.subaccount.assertions import assertion_for
from trustbridge.subaccount.destinations import get_destination_with_secrets
from trustbridge.subaccount.users import find_user, user_claims

LANDSCAPE_FILE = "landscape.json"


@dataclass(frozen=True)
class LandscapeOptions:
    """How a landscape is shaped and served; stored in ``<data dir>/landscape.json`` by the first start."""

    host: str = DEFAULT_HOST
    subaccount_port: int = DEFAULT_SUBACCOUNT_PORT
    s4_port: int = DEFAULT_S4_PORT
    region: str = "eu10"
    tenant: str = "my300000"
    domain: str = "s4hana.ondemand.com"
    key_size: int = 4096

    @property
    def subaccount_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.subaccount_port}"

    @property
    def s4_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.s4_port}"


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):  # noqa: S104 - only turning a bind address into a reachable one
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def read_options(settings: Settings) -> LandscapeOptions | None:
    path = settings.data_dir / LANDSCAPE_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(LandscapeOptions.__dataclass_fields__)
    return LandscapeOptions(**{k: v for k, v in data.items() if k in known})


def write_options(settings: Settings, options: LandscapeOptions) -> None:
    path = settings.ensure_data_dir() / LANDSCAPE_FILE
    path.write_text(json.dumps(asdict(options), indent=2) + "\n", encoding="utf-8")


@dataclass
class LocalLandscape:
    settings: Settings
    options: LandscapeOptions
    database: Database
    subaccount_id: str
    subaccount_admin: AdminBootstrap
    s4_admin: AdminBootstrap
    subaccount_app: FastAPI
    s4_app: FastAPI

    def admin_password(self, service: str) -> str:
        """The admin password of ``service`` ("subaccount" or "s4"): set now, from the environment, or on file."""
        bootstrap = self.subaccount_admin if service == "subaccount" else self.s4_admin
        if bootstrap.password:
            return bootstrap.password
        from_env = os.environ.get(admin_password_env(service))
        if from_env:
            return from_env
        if bootstrap.password_file.exists():
            return bootstrap.password_file.read_text(encoding="utf-8").strip()
        raise RuntimeError(
            f"the {service} admin password is neither in {bootstrap.password_file} nor in "
            f"${admin_password_env(service)}"
        )

    def close(self) -> None:
        self.database.dispose()


def open_local(settings: Settings, options: LandscapeOptions | None = None) -> LocalLandscape:
    """Open (creating on first use) the landscape of ``settings.data_dir``.

    ``options`` given: they are recorded for later commands; else the recorded ones (or defaults) apply.
    """
    settings.ensure_data_dir()
    recorded = read_options(settings)
    chosen = options or recorded or LandscapeOptions()
    if options is not None or recorded is None:
        write_options(settings, chosen)
    database = Database(settings.database_url)
    database.migrate()
    sub = subaccount_setup.bootstrap(database, settings, region=chosen.region, key_size=chosen.key_size)
    s4_admin = s4_tenant.bootstrap(
        database, settings, local_url=chosen.s4_url, tenant_name=chosen.tenant, domain=chosen.domain
    )
    landscape = LocalLandscape(
        settings=settings,
        options=chosen,
        database=database,
        subaccount_id=sub.subaccount_id,
        subaccount_admin=sub.admin,
        s4_admin=s4_admin,
        subaccount_app=create_subaccount_app(database, settings),
        s4_app=create_s4_app(database, settings),
    )
    landscape.subaccount_app.state.connection_check = cockpit_connection_check(landscape)
    return landscape


def cockpit_connection_check(landscape: LocalLandscape) -> Callable[[str, str], Awaitable[list[Check]]]:
    """The cockpit's *Check Connection*: ``trustbridge doctor`` for one destination and user, on this landscape.

    It reads both services through in-process admin clients; its live token exchange calls the destination's
    tokenServiceURL for real (the served S/4 under ``trustbridge up``), falling back to the in-process S/4 when
    nothing is served there.
    """

    async def check(destination_name: str, login: str) -> list[Check]:
        async with local_clients(landscape) as (subaccount, s4):
            report = await diagnose(destination_name, login, subaccount, s4, doctor_access(landscape))
        return report.checks

    return check


@asynccontextmanager
async def local_clients(landscape: LocalLandscape) -> AsyncIterator[tuple[SubaccountClient, S4Client]]:
    """API clients that reach the landscape's apps in-process (no server needed)."""
    sub_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=landscape.subaccount_app),
        base_url=landscape.options.subaccount_url,
        auth=(ADMIN_USERNAME, landscape.admin_password("subaccount")),
        timeout=60,
    )
    s4_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=landscape.s4_app),
        base_url=landscape.options.s4_url,
        auth=(ADMIN_USERNAME, landscape.admin_password("s4")),
        timeout=60,
    )
    subaccount, s4 = SubaccountClient(sub_http), S4Client(s4_http)
    try:
        yield subaccount, s4
    finally:
        await subaccount.aclose()
        await s4.aclose()


@asynccontextmanager
async def remote_clients(
    subaccount_url: str, subaccount_password: str, s4_url: str, s4_password: str
) -> AsyncIterator[tuple[SubaccountClient, S4Client]]:
    """API clients for services running elsewhere (``trustbridge up`` on another machine, say)."""
    subaccount = SubaccountClient(
        httpx.AsyncClient(base_url=subaccount_url, auth=(ADMIN_USERNAME, subaccount_password), timeout=60)
    )
    s4 = S4Client(httpx.AsyncClient(base_url=s4_url, auth=(ADMIN_USERNAME, s4_password), timeout=60))
    try:
        yield subaccount, s4
    finally:
        await subaccount.aclose()
        await s4.aclose()


def doctor_access(landscape: LocalLandscape) -> LocalAccess:
    """What the doctor may read only from a local data dir (secrets, users, signing) plus the in-process S/4."""
    box = SecretBox.from_settings(landscape.settings)
    db = landscape.database

    def destination_with_secrets(name: str) -> dict[str, str]:
        with db.read() as session:
            return dict(get_destination_with_secrets(session, box, name))

    def claims_of(login: str) -> dict[str, Any] | None:
        with db.read() as session:
            user = find_user(session, login)
            return None if user is None else dict(user_claims(user))

    def assertion(name: str, claims: dict[str, Any]) -> str:
        try:
            with db.read() as session:
                return assertion_for(session, box, name, claims).encoded
        except DomainError as exc:
            raise ValueError(exc.errors[0].message if exc.errors else exc.message) from None

    return LocalAccess(
        destination_with_secrets=destination_with_secrets,
        user_claims=claims_of,
        assertion=assertion,
        s4_transport=httpx.ASGITransport(app=landscape.s4_app),
        s4_local_url=landscape.options.s4_url,
    )
