"""``trustbridge``: run the landscape, apply the seed's steps as code, report its state."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from trustbridge.cli.doctor import doctor as doctor_command
from trustbridge.config import DEFAULT_HOST, DEFAULT_S4_PORT, DEFAULT_SUBACCOUNT_PORT, Settings
from trustbridge.errors import DomainError
from trustbridge.landscape import demo
from trustbridge.landscape.apply import ApplyError, StepReport, apply_landscape
from trustbridge.landscape.clients import ApiError, S4Client, SubaccountClient
from trustbridge.landscape.local import (
    LandscapeOptions,
    LocalLandscape,
    local_clients,
    open_local,
    read_options,
    remote_clients,
)
from trustbridge.landscape.spec import SpecError, load_landscape
from trustbridge.landscape.status import collect_status
from trustbridge.pki.encryption import SecretBox
from trustbridge.security.admin import admin_password_env
from trustbridge.subaccount.assertions import assertion_for
from trustbridge.subaccount.destinations import message_of
from trustbridge.subaccount.users import find_user, user_claims
from trustbridge.subaccount.xsuaa.bindings import binding_credentials, sdk_environment_lines

app = typer.Typer(
    name="trustbridge",
    help="The SAP BTP subaccount ⇄ S/4HANA Cloud SAML 2.0 bearer trust chain, on one machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
trust_app = typer.Typer(help="The subaccount's trust certificate (seed step 1).", no_args_is_help=True)
app.add_typer(trust_app, name="trust")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", help="Where the landscape keeps its state.", envvar="TRUSTBRIDGE_DATA_DIR"),
]
SubaccountUrl = Annotated[
    str | None,
    typer.Option(help="A running subaccount service (admin password: $TRUSTBRIDGE_SUBACCOUNT_ADMIN_PASSWORD)."),
]
S4Url = Annotated[
    str | None, typer.Option(help="A running S/4 tenant (admin password: $TRUSTBRIDGE_S4_ADMIN_PASSWORD).")
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@asynccontextmanager
async def _clients(
    data_dir: Path, subaccount_url: str | None, s4_url: str | None
) -> AsyncIterator[tuple[SubaccountClient, S4Client, dict[str, str]]]:
    if bool(subaccount_url) != bool(s4_url):
        raise _fail("give both --subaccount-url and --s4-url, or neither (then the data dir is used)")
    if subaccount_url and s4_url:
        passwords = {}
        for service in ("subaccount", "s4"):
            value = os.environ.get(admin_password_env(service))
            if not value:
                raise _fail(f"set ${admin_password_env(service)} to reach a remote {service}")
            passwords[service] = value
        async with remote_clients(subaccount_url, passwords["subaccount"], s4_url, passwords["s4"]) as (
            sub,
            s4,
        ):
            yield sub, s4, {"subaccount": subaccount_url, "s4": s4_url}
        return
    landscape = open_local(Settings.load(data_dir))
    try:
        async with local_clients(landscape) as (sub, s4):
            urls = {"subaccount": landscape.options.subaccount_url, "s4": landscape.options.s4_url}
            yield sub, s4, urls
    finally:
        landscape.close()


def _run(coro: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(coro())  # type: ignore[arg-type]
    except ApiError as exc:
        raise _fail(str(exc)) from None
    except (SpecError, ApplyError) as exc:
        raise _fail(str(exc)) from None


def _print_step(report: StepReport) -> None:
    colour = {"created": "green", "updated": "yellow", "unchanged": "dim"}.get(report.action, "white")
    detail = f"  [dim]{report.detail}[/]" if report.detail else ""
    out.print(f"step {report.step:>6}  [{colour}]{report.action:<9}[/] {report.subject}{detail}", highlight=False)


@app.command()
def up(
    data_dir: DataDir = Path(".trustbridge"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = DEFAULT_HOST,
    subaccount_port: Annotated[int, typer.Option(help="Port of the subaccount service.")] = DEFAULT_SUBACCOUNT_PORT,
    s4_port: Annotated[int, typer.Option(help="Port of the S/4 tenant.")] = DEFAULT_S4_PORT,
    demo_landscape: Annotated[
        bool, typer.Option("--demo", help="Apply the built-in demo landscape (the seed's 19 steps) first.")
    ] = False,
    region: Annotated[str, typer.Option(help="BTP region of a new subaccount.")] = "eu10",
    tenant: Annotated[str, typer.Option(help="S/4HANA Cloud tenant name of a new landscape.")] = "my300000",
    domain: Annotated[str, typer.Option(help="Public domain of the S/4 tenant.")] = "s4hana.ondemand.com",
    key_size: Annotated[int, typer.Option(help="RSA key size of new trust certificates (BTP: 4096).")] = 4096,
) -> None:
    """Serve the subaccount and the S/4 tenant (``--demo``: with the seed's landscape applied) until killed."""
    from trustbridge.cli.serve import serve_apps

    settings = Settings.load(data_dir)
    options = LandscapeOptions(
        host=host,
        subaccount_port=subaccount_port,
        s4_port=s4_port,
        region=region,
        tenant=tenant,
        domain=domain,
        key_size=key_size,
    )
    landscape = open_local(settings, options)
    try:
        _announce_admins(landscape)
        if demo_landscape:
            _run(lambda: _apply_demo(landscape))
        out.print(f"subaccount  {options.subaccount_url}  (id {landscape.subaccount_id}, region {region})")
        out.print(f"S/4 tenant  {options.s4_url}  (public host {tenant}.{domain})")
        out.print(f"cockpit     {options.subaccount_url}/cockpit/  (sign in as admin)")
        out.print(f"S/4 apps    {options.s4_url}/ui/  (sign in as admin)")
        out.print(f"data dir    {settings.data_dir}")
        out.print("serving; press Ctrl+C to stop", style="dim")
        sys.stdout.flush()
        asyncio.run(
            serve_apps(
                [(landscape.subaccount_app, host, subaccount_port), (landscape.s4_app, host, s4_port)],
            )
        )
    finally:
        landscape.close()


def _announce_admins(landscape: LocalLandscape) -> None:
    for service, bootstrap in (("subaccount", landscape.subaccount_admin), ("s4", landscape.s4_admin)):
        if bootstrap.password and bootstrap.password_file.exists() and not os.environ.get(admin_password_env(service)):
            out.print(
                f"{service} admin created: user [bold]{bootstrap.username}[/], password [bold]{bootstrap.password}[/] "
                f"(shown once; kept in {bootstrap.password_file}, mode 0600)",
                highlight=False,
            )


async def _apply_demo(landscape: LocalLandscape) -> None:
    secrets = demo.load_or_create_secrets(landscape.settings.data_dir)
    options = landscape.options
    spec = demo.with_host_name(demo.demo_spec(secrets), f"{options.tenant}.{options.domain}")
    async with local_clients(landscape) as (subaccount, s4):
        applier = await apply_landscape(spec, subaccount, s4, _print_step)
    out.print("demo landscape " + ("applied" if applier.changed else "already in place: nothing to change"))
    with landscape.database.read() as session:
        binding = binding_credentials(session, SecretBox.from_settings(landscape.settings), options.subaccount_url)
    path = demo.write_credentials(
        landscape.settings.data_dir,
        secrets,
        binding=binding,
        subaccount={
            "id": landscape.subaccount_id,
            "url": options.subaccount_url,
            "admin": {
                "username": landscape.subaccount_admin.username,
                "password": landscape.admin_password("subaccount"),
            },
            "admin_password": landscape.admin_password("subaccount"),
        },
        s4={
            "url": options.s4_url,
            "admin": {"username": landscape.s4_admin.username, "password": landscape.admin_password("s4")},
            "admin_password": landscape.admin_password("s4"),
        },
    )
    out.print(f"demo credentials in {path} (mode 0600)")


@app.command()
def apply(
    file: Annotated[Path, typer.Argument(help="Landscape file (TOML), see docs/landscape.example.toml.")],
    data_dir: DataDir = Path(".trustbridge"),
    subaccount_url: SubaccountUrl = None,
    s4_url: S4Url = None,
) -> None:
    """Apply a declarative landscape: the seed's steps, idempotent, reported step by step."""
    try:
        spec = load_landscape(file)
    except (OSError, SpecError) as exc:
        raise _fail(str(exc)) from None

    async def run() -> bool:
        async with _clients(data_dir, subaccount_url, s4_url) as (subaccount, s4, _urls):
            applier = await apply_landscape(spec, subaccount, s4, _print_step)
            return applier.changed

    changed = _run(run)
    out.print("applied" if changed else "nothing to change: the landscape already matches the file")


@app.command()
def status(
    data_dir: DataDir = Path(".trustbridge"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    subaccount_url: SubaccountUrl = None,
    s4_url: S4Url = None,
) -> None:
    """The landscape's state: trust, communication systems and arrangements, destinations."""

    async def run() -> dict[str, Any]:
        async with _clients(data_dir, subaccount_url, s4_url) as (subaccount, s4, urls):
            return await collect_status(subaccount, s4, urls)

    result = _run(run)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=False) + "\n")
        return
    _print_status(result)


def _print_status(result: dict[str, Any]) -> None:
    sub = result["subaccount"]
    active = sub["trust"]["active"] or {}
    out.print(f"[bold]Subaccount[/] {sub['id']} ({sub['region']})  {sub.get('url') or ''}")
    out.print(f"  trust certificate CN={active.get('subject_cn')}  valid to {active.get('valid_to')}")
    out.print(f"  SHA-256 {active.get('sha256_fingerprint')}", highlight=False)
    s4 = result["s4"]
    out.print(f"[bold]S/4 tenant[/] {s4['tenant'].get('public_host')}  {s4.get('url') or ''}")
    table = Table("System", "IdP", "SAML issuer", "Mapping", "Certificate", "Inbound users")
    for system in s4["communication_systems"]:
        cert = system.get("signing_certificate") or {}
        users = ", ".join(f"{u['user_name']} ({u['authentication_method']})" for u in system["inbound_users"])
        table.add_row(
            system["system_id"],
            "on" if system["oauth2_idp_enabled"] else "off",
            system.get("saml_issuer") or "",
            system.get("user_id_mapping_mode") or "",
            (cert.get("sha256_fingerprint") or "")[:23],
            users,
        )
    out.print(table)
    table = Table("Arrangement", "Scenario", "System", "Inbound user", "Auth", "Token service URL", "SAML2 audience")
    for arrangement in s4["communication_arrangements"]:
        oauth = arrangement.get("oauth2") or {}
        table.add_row(
            arrangement["name"],
            arrangement["scenario_id"],
            arrangement.get("system_id") or "",
            arrangement.get("inbound_user") or "",
            arrangement.get("authentication_method") or "",
            oauth.get("token_service_url") or "",
            oauth.get("saml2_audience") or "",
        )
    out.print(table)
    table = Table("Destination", "Authentication", "URL", "tokenServiceURL", "audience")
    for destination in result["destinations"]:
        table.add_row(
            destination.get("Name", ""),
            destination.get("Authentication", ""),
            destination.get("URL", ""),
            destination.get("tokenServiceURL", ""),
            destination.get("audience", ""),
        )
    out.print(table)


@trust_app.command("download")
def trust_download(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the certificate (.pem).")],
    data_dir: DataDir = Path(".trustbridge"),
    subaccount_url: SubaccountUrl = None,
    s4_url: S4Url = None,
) -> None:
    """Seed step 1: download the subaccount's active trust certificate (the cockpit's Download Trust)."""

    async def run() -> str:
        async with _clients(data_dir, subaccount_url, s4_url) as (subaccount, _s4, _urls):
            return await subaccount.download_trust()

    pem = _run(run)
    output.write_text(pem, encoding="ascii")
    out.print(f"trust certificate written to {output}")


@app.command()
def binding(
    data_dir: DataDir = Path(".trustbridge"),
    env: Annotated[
        bool, typer.Option("--env", help="Print CLOUD_SDK_CFG_DESTINATION_DEFAULT_* lines (shell syntax).")
    ] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="Base URL clients reach the subaccount at (default: the recorded one).")
    ] = None,
) -> None:
    """Print the Destination service binding (service key): clientid, clientsecret, url, uri, identityzone.

    ``--env`` prints the environment variables SAP Cloud SDK for Python reads instead, e.g. for
    ``set -a; . <(trustbridge binding --env); set +a``. A local shortcut: it reads the data dir.
    """
    settings = Settings.load(data_dir)
    options = read_options(settings)
    if options is None:
        raise _fail(f"no landscape in {settings.data_dir}: run 'trustbridge up' or 'trustbridge apply' first")
    landscape = open_local(settings)
    try:
        with landscape.database.read() as session:
            credentials = binding_credentials(
                session, SecretBox.from_settings(settings), url or landscape.options.subaccount_url
            )
    except DomainError as exc:
        raise _fail(message_of(exc)) from None
    finally:
        landscape.close()
    if env:
        sys.stdout.write("".join(line + "\n" for line in sdk_environment_lines(credentials)))
    else:
        sys.stdout.write(json.dumps(credentials, indent=2) + "\n")


@app.command()
def assertion(
    destination: Annotated[str, typer.Option("--destination", help="Name of the subaccount destination.")],
    user: Annotated[str, typer.Option("--user", help="Login of the subaccount user.")],
    data_dir: DataDir = Path(".trustbridge"),
) -> None:
    """Print the signed SAML assertion the subaccount sends for a destination and a user, encoded, one line.

    A local shortcut: it reads the data dir (the Destination service has no API that hands out assertions).
    The encoding is the destination's samlAssertionEncoding: base64url unless it says base64.
    """
    settings = Settings.load(data_dir)
    if read_options(settings) is None:
        raise _fail(f"no landscape in {settings.data_dir}: run 'trustbridge up' or 'trustbridge apply' first")
    landscape = open_local(settings)
    try:
        box = SecretBox.from_settings(settings)
        with landscape.database.read() as session:
            subject = find_user(session, user)
            if subject is None:
                raise _fail(f"user '{user}' does not exist in the subaccount's user directory")
            signed = assertion_for(session, box, destination, user_claims(subject))
    except DomainError as exc:
        raise _fail(message_of(exc)) from None
    finally:
        landscape.close()
    sys.stdout.write(signed.encoded + "\n")


app.command()(doctor_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
