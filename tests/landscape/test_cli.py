"""The CLI's ``apply`` and ``status`` on a data dir, as an administrator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trustbridge.cli.main import app
from trustbridge.config import Settings
from trustbridge.landscape.local import write_options

from .conftest import OPTIONS

EXAMPLE = Path(__file__).parents[2] / "docs" / "landscape.example.toml"


@pytest.fixture
def data_dir(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRUSTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TASKCENTERCOM_PASSWORD", "Xy7!" * 6)
    monkeypatch.setenv("APPROVER_PASSWORD", "Appr0ver-Passw0rd")
    write_options(settings, OPTIONS)  # 2048-bit trust key for speed
    return settings.data_dir


def test_apply_example_twice_then_status(data_dir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["apply", str(EXAMPLE), "--data-dir", str(data_dir)])
    assert first.exit_code == 0, first.output
    assert "step      8  created" in first.output
    assert "step     19  created" in first.output
    assert "step  users  created   subaccount user approver" in first.output
    second = runner.invoke(app, ["apply", str(EXAMPLE), "--data-dir", str(data_dir)])
    assert second.exit_code == 0, second.output
    assert "nothing to change" in second.output
    actions = {line.split()[2] for line in second.output.splitlines() if line.startswith("step ")}
    assert actions == {"unchanged"}

    status = runner.invoke(app, ["status", "--data-dir", str(data_dir), "--json"])
    assert status.exit_code == 0, status.output
    parsed = json.loads(status.output)
    assert parsed["destinations"][0]["Name"] == "S4HANACloud"
    assert "Xy7!" not in status.output
    assert "Appr0ver-Passw0rd" not in first.output + second.output + status.output
    table = runner.invoke(app, ["status", "--data-dir", str(data_dir)], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "BTP_TASK_CENTER" in table.output


def test_apply_reports_a_bad_file_and_exits_non_zero(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[s4.communication_users]]\nuser_name = "X"\n')
    result = CliRunner().invoke(app, ["apply", str(bad), "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "s4.communication_users[0].description: required" in result.output


def test_apply_reports_the_services_error(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[s4.communication_users]]\nuser_name = "TASKCENTERCOM"\ndescription = "d"\npassword = "short"\n')
    result = CliRunner().invoke(app, ["apply", str(bad), "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "password" in result.output


def test_trust_download_writes_the_active_certificate(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "trust.pem"
    result = CliRunner().invoke(app, ["trust", "download", "-o", str(target), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(target.read_bytes())
    assert certificate.subject == certificate.issuer


def _apply_example(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["apply", str(EXAMPLE), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output


def test_assertion_prints_one_base64url_line_that_verifies(data_dir: Path, settings: Settings) -> None:
    import base64

    from cryptography.hazmat.primitives.asymmetric import rsa

    from trustbridge.saml.verifier import verify_assertion
    from trustbridge.storage import Database
    from trustbridge.subaccount import trust
    from trustbridge.subaccount.subaccounts import current_subaccount

    _apply_example(data_dir)
    result = CliRunner().invoke(
        app, ["assertion", "--data-dir", str(data_dir), "--destination", "S4HANACloud", "--user", "approver"]
    )

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert result.stdout == line + "\n"
    assert set(line) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    xml = base64.urlsafe_b64decode(line)
    database = Database(settings.database_url)
    try:
        with database.read() as session:
            certificate = trust.get_certificate(session).certificate
            subaccount_id = current_subaccount(session).id
    finally:
        database.dispose()
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    verified = verify_assertion(xml, public_key)
    assert verified.name_id == "5f3c1a2e-8b7d-4c6e-9a01-23456789abcd"  # userIdSource = user_uuid
    assert verified.issuer == f"cfapps.eu10.hana.ondemand.com/{subaccount_id}"
    assert verified.audiences == ("https://my300000.s4hana.ondemand.com",)
    assert verified.subject_confirmations[0].recipient == "http://127.0.0.1:18082/sap/bc/sec/oauth2/token"
    assert verified.attributes["Groups"] == ["TaskCenterApprovers"]


@pytest.mark.parametrize(
    ("destination", "user", "message"),
    [
        ("S4HANACloud", "nobody", "user 'nobody' does not exist in the subaccount's user directory"),
        ("Nope", "approver", "Destination 'Nope' does not exist"),
    ],
)
def test_assertion_for_an_unknown_destination_or_user_fails_on_stderr(
    data_dir: Path, destination: str, user: str, message: str
) -> None:
    _apply_example(data_dir)
    result = CliRunner().invoke(
        app, ["assertion", "--data-dir", str(data_dir), "--destination", destination, "--user", user]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_assertion_without_a_landscape_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["assertion", "--data-dir", str(tmp_path / "none"), "--destination", "D", "--user", "u"]
    )
    assert result.exit_code == 1
    assert "no landscape in" in result.stderr
    assert not (tmp_path / "none").exists()
