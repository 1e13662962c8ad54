"""Interop with SAP's own client: SAP Cloud SDK for Python (PyPI ``sap-cloud-sdk``) against ``up --demo``.

Issue C item 5. The SDK is configured **only** through its documented environment variables
(``CLOUD_SDK_CFG_DESTINATION_DEFAULT_{CLIENTID,CLIENTSECRET,URL,URI,IDENTITYZONE}``, as printed by
``trustbridge binding --env``), plus ``OAUTHLIB_INSECURE_TRANSPORT=1`` because requests-oauthlib refuses
``http://`` token URLs otherwise (docs/api.md). The SDK then fetches its own client-credentials token at
``{url}/oauth/token`` (form body), calls the v2 find API ``{uri}/destination-configuration/v2/destinations/…``
with the user's JWT as ``X-user-token`` and parses our answer with its own models.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest
import sap_cloud_sdk.destination as sdk

from .conftest import Running, _cli

SPI_REPLICATION = "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
SDK_VARIABLES = {
    "CLOUD_SDK_CFG_DESTINATION_DEFAULT_CLIENTID": "clientid",
    "CLOUD_SDK_CFG_DESTINATION_DEFAULT_CLIENTSECRET": "clientsecret",
    "CLOUD_SDK_CFG_DESTINATION_DEFAULT_URL": "url",
    "CLOUD_SDK_CFG_DESTINATION_DEFAULT_URI": "uri",
    "CLOUD_SDK_CFG_DESTINATION_DEFAULT_IDENTITYZONE": "identityzone",
}


def _sdk_environment(landscape: Running) -> dict[str, str]:
    """``trustbridge binding --env`` parsed as a shell would (`set -a; . <(trustbridge binding --env)`)."""
    result = _cli("binding", "--env", "--data-dir", str(landscape.data_dir), env=landscape.env)
    assert result.returncode == 0, result.stderr
    environment: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("=")
        (environment[name],) = shlex.split(value)
    return environment


def _configure_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str]) -> None:
    # Nothing but the documented variables: no mounted binding, no mock file, no proxy, no telemetry export.
    for name in ("SERVICE_BINDING_ROOT", "APPFND_CONHOS_TRANSP_PROXY", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert not Path("/etc/secrets/appfnd/destination/default").exists(), "a mounted binding would win over env"
    workdir = tmp_path / "app"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # create_client() silently returns a mock client if ./mocks/destination.json exists
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def _user_token(binding: dict[str, str], user: dict[str, Any]) -> str:
    """The demo user signs in: a password-grant token of the binding's client, as an app's login would get."""
    response = httpx.post(
        f"{binding['url']}/oauth/token",
        data={
            "grant_type": "password",
            "username": user["login"],
            "password": user["password"],
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_sap_cloud_sdk_resolves_s4hanacloud_for_the_demo_user(
    demo_landscape: Running, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    binding = credentials["subaccount"]["binding"]
    user = credentials["subaccount"]["users"][0]
    environment = _sdk_environment(demo_landscape)
    assert {name: environment[name] for name in SDK_VARIABLES} == {
        name: binding[key] for name, key in SDK_VARIABLES.items()
    }
    _configure_sdk(monkeypatch, tmp_path, environment)

    client = sdk.create_client()
    assert type(client) is sdk.DestinationClient  # the HTTP client, not the local mock

    destination = client.get_destination(
        "S4HANACloud", options=sdk.ConsumptionOptions(user_token=_user_token(binding, user))
    )

    assert isinstance(destination, sdk.Destination)
    assert destination.name == "S4HANACloud"
    assert getattr(destination.authentication, "value", None) == "OAuth2SAMLBearerAssertion"
    (token,) = destination.auth_tokens
    assert token.error is None
    assert token.type == "Bearer"
    assert token.http_header == {"key": "Authorization", "value": f"Bearer {token.value}"}
    headers = destination.get_headers()  # the SDK's own "headers to send to the target system"
    assert headers["Authorization"] == token.http_header["value"]

    opened = httpx.get(f"{demo_landscape.s4}{SPI_REPLICATION}", headers={"Authorization": headers["Authorization"]})
    assert opened.status_code == 200, opened.text

    # the level hint (v2 `{name}@subaccount`) resolves the same destination, the token from the cache
    again = client.get_destination(
        "S4HANACloud",
        level=sdk.ConsumptionLevel.SUBACCOUNT,
        options=sdk.ConsumptionOptions(user_token=_user_token(binding, user)),
    )
    assert isinstance(again, sdk.Destination)
    assert again.auth_tokens[0].value == token.value


def test_sap_cloud_sdk_sees_404_and_token_errors_as_documented(
    demo_landscape: Running, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The SDK's documented outcomes of our other answers: 404 → ``None``; a failed token step (no user) →
    ``DestinationOperationError`` carrying our ``authTokens[].error`` text; ``$skipTokenRetrieval`` → no tokens."""
    _configure_sdk(monkeypatch, tmp_path, _sdk_environment(demo_landscape))
    client = sdk.create_client()

    assert client.get_destination("NoSuchDestination") is None

    with pytest.raises(sdk.DestinationOperationError, match=r"auth token retrieval failed: .*user"):
        client.get_destination("S4HANACloud")  # no X-user-token and a client-credentials Authorization

    configuration_only = client.get_destination(
        "S4HANACloud", options=sdk.ConsumptionOptions(skip_token_retrieval=True)
    )
    assert isinstance(configuration_only, sdk.Destination)
    assert configuration_only.auth_tokens == []
    assert configuration_only.properties["tokenServiceURL"] == f"{demo_landscape.s4}/sap/bc/sec/oauth2/token"
