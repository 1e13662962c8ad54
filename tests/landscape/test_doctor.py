"""``trustbridge doctor`` names the right cause for each of research §G's twelve misconfigurations.

Each test starts from the demo landscape (the seed done right), breaks exactly one thing through the admin
APIs, and checks that the doctor fails and that the failing check names that cause and its fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trustbridge.cli.main import app
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.clients import S4Client, SubaccountClient
from trustbridge.landscape.doctor import Report, diagnose
from trustbridge.landscape.local import LocalLandscape, doctor_access, local_clients
from trustbridge.landscape.spec import LandscapeSpec
from trustbridge.pki.certificates import create_trust_certificate, generate_private_key, to_pem

Breaker = Callable[[SubaccountClient, S4Client], Awaitable[None]]
DESTINATION = demo.DESTINATION


@pytest.fixture
def demo_landscape(landscape: LocalLandscape, demo_spec: LandscapeSpec) -> LocalLandscape:
    async def run() -> None:
        async with local_clients(landscape) as (subaccount, s4):
            await apply_landscape(demo_spec, subaccount, s4)

    asyncio.run(run())
    return landscape


def _doctor(landscape: LocalLandscape, login: str = "approver", breaker: Breaker | None = None) -> Report:
    async def run() -> Report:
        async with local_clients(landscape) as (subaccount, s4):
            if breaker is not None:
                await breaker(subaccount, s4)
            return await diagnose(DESTINATION, login, subaccount, s4, doctor_access(landscape))

    return asyncio.run(run())


async def _destination(subaccount: SubaccountClient, **changes: str) -> None:
    current = await subaccount.destination(DESTINATION)
    assert current is not None
    await subaccount.update_destination({**current, **changes})


def _failed(report: Report) -> dict[str, str]:
    return {c.key: f"{c.detail} | fix: {c.fix}" for c in report.failed()}


def test_the_demo_landscape_passes_every_check(demo_landscape: LocalLandscape) -> None:
    report = _doctor(demo_landscape)
    assert report.passed, _failed(report)
    keys = {c.key for c in report.checks if c.status == "pass"}
    assert {"certificate", "issuer", "audience", "token_url", "mapping", "catalog", "exchange", "service"} <= keys


async def _wrong_issuer(sub: SubaccountClient, s4: S4Client) -> None:
    await s4.update_communication_system(
        demo.COMMUNICATION_SYSTEM, {"saml_issuer": "https://demo.authentication.eu10.hana.ondemand.com"}
    )


async def _wrong_file(sub: SubaccountClient, s4: S4Client) -> None:
    key = generate_private_key(2048)
    other = create_trust_certificate(key, "cfapps.us10.hana.ondemand.com/0b5c2d7e-1111-4222-8333-944455556666")
    await s4.upload_signing_certificate(demo.COMMUNICATION_SYSTEM, to_pem(other).encode())


async def _api_audience(sub: SubaccountClient, s4: S4Client) -> None:
    await _destination(sub, audience="https://my300000-api.s4hana.ondemand.com")


async def _wrong_token_url(sub: SubaccountClient, s4: S4Client) -> None:
    await _destination(sub, tokenServiceURL="http://127.0.0.1:18082/oauth/token")


async def _no_client_credentials(sub: SubaccountClient, s4: S4Client) -> None:
    await _destination(sub, tokenServiceUser="", tokenServicePassword="")


async def _global_user_id_differs(sub: SubaccountClient, s4: S4Client) -> None:
    await s4.update_business_user("APPROVER", {"global_user_id": "11111111-2222-3333-4444-555555555555"})


async def _email_case(sub: SubaccountClient, s4: S4Client) -> None:
    current = await sub.destination(DESTINATION)
    assert current is not None
    changed = {k: v for k, v in current.items() if k != "userIdSource"}
    changed["nameIdFormat"] = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    await sub.update_destination(changed)
    await s4.update_business_user("APPROVER", {"email": "Approver@Example.com"})


async def _claim_missing(sub: SubaccountClient, s4: S4Client) -> None:
    await _destination(sub, userIdSource="employee_id")


async def _basic_arrangement(sub: SubaccountClient, s4: S4Client) -> None:
    await s4.add_inbound_user(demo.COMMUNICATION_SYSTEM, demo.COMMUNICATION_USER, "basic")
    await s4.update_communication_arrangement(demo.ARRANGEMENT, {"authentication_method": "basic"})


async def _renewed_trust(sub: SubaccountClient, s4: S4Client) -> None:
    response = await sub.http.post("/destination-configuration/v1/saml2Metadata/certificate")
    assert response.status_code == 200


async def _private_endpoint(sub: SubaccountClient, s4: S4Client) -> None:
    await _destination(sub, tokenServiceURL="http://127.0.0.1:1/sap/bc/sec/oauth2/token")


@pytest.mark.parametrize(
    ("number", "breaker", "login", "check", "words"),
    [
        (1, _wrong_issuer, "approver", "issuer", "seed step 9"),
        (2, _wrong_file, "approver", "certificate", "another one"),
        (3, _api_audience, "approver", "audience", "-api host"),
        (4, _wrong_token_url, "approver", "token_url", "Token Service URL"),
        (5, _no_client_credentials, "approver", "client_credentials", "No OAuth 2.0 client authentication credentials"),
        (6, _global_user_id_differs, "approver", "mapping", "Global User ID"),
        (7, _email_case, "approver", "mapping", "differs only in case"),
        (8, _claim_missing, "approver", "name_id", "user ID could not be determined"),
        (9, _basic_arrangement, "approver", "arrangement_oauth2", "seed steps 10, 11 and 18"),
        (10, _renewed_trust, "approver", "certificate", "renewed since"),
        (11, None, "viewer", "catalog", "Task Center"),
        (12, _private_endpoint, "approver", "exchange", "ProxyType Internet"),
    ],
)
def test_each_misconfiguration_is_named(
    demo_landscape: LocalLandscape, number: int, breaker: Breaker | None, login: str, check: str, words: str
) -> None:
    report = _doctor(demo_landscape, login, breaker)
    failed = _failed(report)
    assert not report.passed
    assert check in failed, f"misconfiguration {number}: {failed}"
    assert words.lower() in failed[check].lower(), failed[check]
    if number not in (8, 12):  # the live exchange confirms it (8 has no assertion to send; 12 is the exchange)
        assert "exchange" in failed or "service" in failed, failed


def test_cli_exit_codes(demo_landscape: LocalLandscape, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir: Path = demo_landscape.settings.data_dir
    monkeypatch.setenv("TRUSTBRIDGE_DATABASE_URL", demo_landscape.settings.database_url)
    runner = CliRunner()
    ok = runner.invoke(app, ["doctor", DESTINATION, "--user", "approver", "--data-dir", str(data_dir)])
    assert ok.exit_code == 0, ok.output
    assert "✓" in ok.output and "✗" not in ok.output
    broken = runner.invoke(app, ["doctor", DESTINATION, "--user", "viewer", "--data-dir", str(data_dir)])
    assert broken.exit_code == 1
    assert "✗" in broken.output and "fix:" in broken.output


def test_passed_checks_do_not_show_failure_texts(demo_landscape: LocalLandscape) -> None:
    report = _doctor(demo_landscape)
    shown = " ".join(c.detail for c in report.checks if c.status == "pass")
    for failure_text in ("missing:", "the toggle is off", "the user is locked", "no arrangement uses"):
        assert failure_text not in shown
    assert "NameID" in shown and "scope" in shown
