"""The README's main job, for real: ``trustbridge up --demo`` in a subprocess, spoken to over HTTP."""

from __future__ import annotations

import json
import re
import stat

import httpx

from .conftest import Running, _cli, _free_port

__all__ = ["Running", "_cli", "_free_port"]  # test_replay_across_processes imports _free_port from here


def test_up_demo_serves_both_services_and_writes_the_credentials(demo_landscape: Running) -> None:
    credentials_path = demo_landscape.data_dir / "demo-credentials.json"
    assert stat.S_IMODE(credentials_path.stat().st_mode) == 0o600
    credentials = json.loads(credentials_path.read_text())
    assert credentials["s4"]["communication_user"] == "TASKCENTERCOM"
    assert len(credentials["s4"]["communication_user_password"]) >= 20
    user = credentials["subaccount"]["users"][0]
    assert {"login", "password", "user_uuid"} <= set(user)

    # the admin passwords in the file open the admin APIs; nothing that changes state is open
    sub_admin = ("admin", credentials["subaccount"]["admin_password"])
    s4_admin = ("admin", credentials["s4"]["admin_password"])
    assert httpx.get(f"{demo_landscape.s4}/api/communication-systems").status_code == 401
    assert httpx.post(f"{demo_landscape.s4}/api/communication-users", json={}).status_code == 401
    assert (
        httpx.get(f"{demo_landscape.subaccount}/destination-configuration/v1/subaccountDestinations").status_code == 401
    )
    systems = httpx.get(f"{demo_landscape.s4}/api/communication-systems", auth=s4_admin).json()["value"]
    assert systems[0]["oauth2_idp_enabled"] is True
    destination = httpx.get(
        f"{demo_landscape.subaccount}/destination-configuration/v1/subaccountDestinations/S4HANACloud", auth=sub_admin
    ).json()
    assert destination["tokenServiceURL"] == f"{demo_landscape.s4}/sap/bc/sec/oauth2/token"

    # Download Trust over real HTTP returns the certificate the communication system trusts
    pem = httpx.get(f"{demo_landscape.subaccount}/cockpit/destinations/download-trust", auth=sub_admin).text
    assert pem.startswith("-----BEGIN CERTIFICATE-----")


def test_status_json_holds_the_contract_while_up_is_running(demo_landscape: Running) -> None:
    result = _cli("status", "--data-dir", str(demo_landscape.data_dir), "--json", env=demo_landscape.env)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    sub = status["subaccount"]
    assert sub["region"] == "eu10"
    assert sub["trust"]["active"]["subject_cn"] == f"cfapps.eu10.hana.ondemand.com/{sub['id']}"
    fingerprint = sub["trust"]["active"]["sha256_fingerprint"]
    (system,) = status["s4"]["communication_systems"]
    assert system["signing_certificate"]["sha256_fingerprint"] == fingerprint
    assert system["saml_issuer"] == sub["trust"]["active"]["subject_cn"]
    assert {"system_id", "oauth2_idp_enabled", "user_id_mapping_mode", "inbound_users"} <= set(system)
    (arrangement,) = status["s4"]["communication_arrangements"]
    assert {"name", "scenario_id", "system_id", "inbound_user", "authentication_method"} <= set(arrangement)
    assert set(arrangement["oauth2"]) >= {"client_id", "token_service_url", "saml2_audience"}
    (destination,) = status["destinations"]
    assert destination["Name"] == "S4HANACloud"
    assert destination["tokenServiceURL"] == f"{demo_landscape.s4}/sap/bc/sec/oauth2/token"
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    assert credentials["s4"]["communication_user_password"] not in result.stdout

    # a second apply of the demo changes nothing: `trustbridge apply` with the same content says so
    trust = _cli(
        "trust",
        "download",
        "-o",
        str(demo_landscape.data_dir / "t.pem"),
        "--data-dir",
        str(demo_landscape.data_dir),
        env=demo_landscape.env,
    )
    assert trust.returncode == 0, trust.stderr
    assert (demo_landscape.data_dir / "t.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_the_demo_users_exist_and_the_cli_prints_their_assertion(demo_landscape: Running) -> None:
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    from trustbridge.saml.verifier import verify_assertion

    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    sub_admin = ("admin", credentials["subaccount"]["admin_password"])
    listed = httpx.get(f"{demo_landscape.subaccount}/api/users", auth=sub_admin).json()
    expected = {u["login"]: u["user_uuid"] for u in credentials["subaccount"]["users"]}
    assert (
        {u["login"]: u["user_uuid"] for u in listed}
        == expected
        == {
            "approver": expected["approver"],
            "viewer": expected["viewer"],
        }
    )
    assert all("password" not in u for u in listed)

    result = _cli(
        "assertion",
        "--data-dir",
        str(demo_landscape.data_dir),
        "--destination",
        "S4HANACloud",
        "--user",
        "approver",
        env=demo_landscape.env,
    )
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    pem = httpx.get(f"{demo_landscape.subaccount}/cockpit/destinations/download-trust", auth=sub_admin).text
    public_key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    verified = verify_assertion(base64.urlsafe_b64decode(line), public_key)
    assert verified.name_id == expected["approver"]  # userIdSource = user_uuid → the business user's Global User ID
    business_user = httpx.get(
        f"{demo_landscape.s4}/api/business-users/APPROVER", auth=("admin", credentials["s4"]["admin_password"])
    ).json()
    assert business_user["global_user_id"] == verified.name_id


def test_the_demo_destinations_assertion_buys_a_token_once(demo_landscape: Running) -> None:
    """Issue B's contract: `trustbridge assertion` → the destination's tokenServiceURL → a Bearer token that
    opens the SPI Task Replication service root; the same assertion again → 400 invalid_grant."""
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    login = credentials["subaccount"]["users"][0]["login"]
    result = _cli(
        "assertion",
        "--data-dir",
        str(demo_landscape.data_dir),
        "--destination",
        "S4HANACloud",
        "--user",
        login,
        env=demo_landscape.env,
    )
    assert result.returncode == 0, result.stderr
    assertion = result.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]+=*", assertion)  # one base64url line

    status = json.loads(
        _cli("status", "--data-dir", str(demo_landscape.data_dir), "--json", env=demo_landscape.env).stdout
    )
    destination = status["destinations"][0]
    user = credentials["s4"]["communication_user"]
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer", "assertion": assertion, "client_id": user}
    auth = (user, credentials["s4"]["communication_user_password"])
    first = httpx.post(destination["tokenServiceURL"], data=form, auth=auth)
    assert first.status_code == 200, first.text
    token = first.json()
    assert token["token_type"] == "Bearer"
    service = (
        f"{demo_landscape.s4}/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
    )
    opened = httpx.get(service, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert opened.status_code == 200, opened.text
    second = httpx.post(destination["tokenServiceURL"], data=form, auth=auth)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_destination_find_propagates_the_demo_user_to_s4(demo_landscape: Running) -> None:
    """Issue C's contract over real HTTP: a client-credentials token of the binding, the demo user's
    password-grant token as X-user-token → find S4HANACloud → a Bearer token that opens the SPI root."""
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    binding = credentials["subaccount"]["binding"]
    user = credentials["subaccount"]["users"][0]
    client = {"client_id": binding["clientid"], "client_secret": binding["clientsecret"]}
    service_token = httpx.post(f"{binding['url']}/oauth/token", data={"grant_type": "client_credentials", **client})
    assert service_token.status_code == 200, service_token.text
    user_token = httpx.post(
        f"{binding['url']}/oauth/token",
        data={"grant_type": "password", "username": user["login"], "password": user["password"], **client},
    )
    assert user_token.status_code == 200, user_token.text
    headers = {
        "Authorization": f"Bearer {service_token.json()['access_token']}",
        "X-user-token": user_token.json()["access_token"],
    }
    find = f"{binding['uri']}/destination-configuration/v1/destinations/S4HANACloud"

    first = httpx.get(find, headers=headers)
    assert first.status_code == 200, first.text
    (token,) = first.json()["authTokens"]
    assert token["type"] == "Bearer", token
    service = (
        f"{demo_landscape.s4}/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
    )
    opened = httpx.get(service, headers={"Authorization": token["http_header"]["value"]})
    assert opened.status_code == 200, opened.text
    again = httpx.get(find, headers=headers).json()["authTokens"][0]
    assert again["value"] == token["value"]  # from the token cache


def test_the_demo_binding_gets_a_token_that_opens_the_destination_service(demo_landscape: Running) -> None:
    """Issue C's contract: `subaccount.binding` → `{url}/oauth/token` (client credentials in the form body, as
    SAP Cloud SDK for Python sends them) → a bearer token for `{uri}/destination-configuration/…`."""
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    binding = credentials["subaccount"]["binding"]
    assert set(binding) == {"clientid", "clientsecret", "url", "uri", "identityzone"}
    assert binding["url"] == binding["uri"] == demo_landscape.subaccount
    token = httpx.post(
        f"{binding['url']}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    )
    assert token.status_code == 200, token.text
    listed = httpx.get(
        f"{binding['uri']}/destination-configuration/v1/subaccountDestinations",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert listed.status_code == 200, listed.text
    assert [d["Name"] for d in listed.json()] == ["S4HANACloud"]
