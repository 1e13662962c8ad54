"""``trustbridge binding``: the Destination service binding as JSON or as SAP Cloud SDK for Python's variables."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from trustbridge.cli.main import app
from trustbridge.config import Settings
from trustbridge.landscape.local import LandscapeOptions, open_local
from trustbridge.subaccount.api.app import create_app

OPTIONS = LandscapeOptions(subaccount_port=18091, s4_port=18092, key_size=2048)
PREFIX = "CLOUD_SDK_CFG_DESTINATION_DEFAULT_"


@pytest.fixture
def data_dir(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRUSTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("TRUSTBRIDGE_SECRET_KEY", raising=False)
    open_local(settings, OPTIONS).close()
    return settings.data_dir


def test_binding_prints_the_service_key_json(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["binding", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    binding = json.loads(result.stdout)
    assert set(binding) == {"clientid", "clientsecret", "url", "uri", "identityzone"}
    assert binding["url"] == binding["uri"] == "http://127.0.0.1:18091"
    assert binding["clientid"].startswith("sb-clone") and binding["clientid"].endswith("|destination-xsappname!b404")


def test_binding_env_prints_sdk_variables_in_shell_syntax(data_dir: Path, settings: Settings) -> None:
    plain = json.loads(CliRunner().invoke(app, ["binding", "--data-dir", str(data_dir)]).stdout)
    result = CliRunner().invoke(app, ["binding", "--data-dir", str(data_dir), "--env", "--url", "http://h:1/"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        f"{PREFIX}CLIENTID",
        f"{PREFIX}CLIENTSECRET",
        f"{PREFIX}URL",
        f"{PREFIX}URI",
        f"{PREFIX}IDENTITYZONE",
    ]
    # what a POSIX shell makes of the lines (the client ID holds '!' and '|', the secret '$')
    parsed = dict(shlex.split(line)[0].split("=", 1) for line in lines)
    assert parsed[f"{PREFIX}CLIENTID"] == plain["clientid"]
    assert parsed[f"{PREFIX}CLIENTSECRET"] == plain["clientsecret"]
    assert parsed[f"{PREFIX}URL"] == parsed[f"{PREFIX}URI"] == "http://h:1"
    assert parsed[f"{PREFIX}IDENTITYZONE"] == plain["identityzone"]

    # the printed credentials get a token, as SAP Cloud SDK for Python asks: form body, url + /oauth/token
    landscape = open_local(settings)
    try:
        with TestClient(create_app(landscape.database, settings)) as http:
            response = http.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": parsed[f"{PREFIX}CLIENTID"],
                    "client_secret": parsed[f"{PREFIX}CLIENTSECRET"],
                },
            )
            assert response.status_code == 200, response.text
    finally:
        landscape.close()


def test_binding_without_a_landscape_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["binding", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no landscape" in result.output
