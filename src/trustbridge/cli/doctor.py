"""``trustbridge doctor DESTINATION --user LOGIN``: the whole chain checked, in plain words."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trustbridge.config import Settings
from trustbridge.landscape.doctor import RemoteUser, Report, diagnose
from trustbridge.landscape.local import doctor_access, local_clients, open_local, read_options, remote_clients
from trustbridge.security.admin import admin_password_env

out = Console()
err = Console(stderr=True)


def print_report(report: Report, destination: str, login: str) -> None:
    out.print(f"[bold]doctor[/] destination {destination}, user {login}", highlight=False)
    colours = {"pass": "green", "fail": "red", "skip": "dim"}
    for check in report.checks:
        line = f"[{colours[check.status]}]{check.mark}[/] {check.title}"
        if check.detail and check.status != "pass":
            line += f" — {check.detail}"
        elif check.detail:
            line += f" [dim]({check.detail})[/]"
        out.print(line, highlight=False)
        if check.fix:
            out.print(f"    [yellow]fix:[/] {check.fix}", highlight=False)
    failed = report.failed()
    out.print(
        "[green]the chain works[/]" if not failed else f"[red]{len(failed)} problem(s)[/]: {failed[0].title}",
        highlight=False,
    )


def doctor(
    destination: Annotated[str, typer.Argument(help="Name of the subaccount destination, e.g. S4HANACloud.")],
    user: Annotated[str, typer.Option("--user", help="Login of the subaccount user to propagate.")],
    data_dir: Annotated[Path, typer.Option("--data-dir", envvar="TRUSTBRIDGE_DATA_DIR")] = Path(".trustbridge"),
    subaccount_url: Annotated[str | None, typer.Option(help="A remote subaccount (admin password from env).")] = None,
    s4_url: Annotated[str | None, typer.Option(help="A remote S/4 tenant (admin password from env).")] = None,
    binding: Annotated[
        Path | None,
        typer.Option(
            help="Remote only: the Destination binding (JSON, as `trustbridge binding` prints it); with "
            "$TRUSTBRIDGE_DOCTOR_USER_PASSWORD the doctor also does a live find for the user."
        ),
    ] = None,
) -> None:
    """Check the trust chain of DESTINATION for USER; exit 0 only when every check passes."""
    if subaccount_url or s4_url:
        if not (subaccount_url and s4_url):
            err.print("give both --subaccount-url and --s4-url")
            raise typer.Exit(2)
        passwords = {s: os.environ.get(admin_password_env(s), "") for s in ("subaccount", "s4")}

        remote_user = None
        if binding is not None and os.environ.get("TRUSTBRIDGE_DOCTOR_USER_PASSWORD"):
            remote_user = RemoteUser(json.loads(binding.read_text()), os.environ["TRUSTBRIDGE_DOCTOR_USER_PASSWORD"])

        async def remote() -> Report:
            async with remote_clients(subaccount_url, passwords["subaccount"], s4_url, passwords["s4"]) as (sub, s4):
                return await diagnose(destination, user, sub, s4, remote_user=remote_user)

        report = asyncio.run(remote())
    else:
        settings = Settings.load(data_dir)
        if read_options(settings) is None:
            err.print(f"no landscape in {settings.data_dir}: run 'trustbridge up' first")
            raise typer.Exit(2)
        landscape = open_local(settings)
        try:

            async def local() -> Report:
                async with local_clients(landscape) as (sub, s4):
                    return await diagnose(destination, user, sub, s4, doctor_access(landscape))

            report = asyncio.run(local())
        finally:
            landscape.close()
    print_report(report, destination, user)
    raise typer.Exit(0 if report.passed else 1)
