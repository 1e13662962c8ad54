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
    write_options(settings, OPTIONS)  # 2048-bit trust key for speed
    return settings.data_dir


def test_apply_example_twice_then_status(data_dir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["apply", str(EXAMPLE), "--data-dir", str(data_dir)])
    assert first.exit_code == 0, first.output
    assert "step      8  created" in first.output
    assert "step     19  created" in first.output
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
