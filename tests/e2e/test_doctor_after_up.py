"""Issue C's contract: right after `trustbridge up --demo`, `trustbridge doctor S4HANACloud --user <demo user>`
exits 0; on a landscape broken through the admin API it exits non-zero and names the cause."""

from __future__ import annotations

import json

import httpx

from .conftest import Running, _cli


def test_doctor_passes_on_the_demo_and_fails_on_a_broken_landscape(demo_landscape: Running) -> None:
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    login = credentials["subaccount"]["users"][0]["login"]
    args = ("doctor", "S4HANACloud", "--user", login, "--data-dir", str(demo_landscape.data_dir))
    healthy = _cli(*args, env=demo_landscape.env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "live token exchange" in healthy.stdout
    assert "✗" not in healthy.stdout

    s4_admin = ("admin", credentials["s4"]["admin_password"])
    system = credentials["s4"]["communication_system"]
    response = httpx.patch(
        f"{demo_landscape.s4}/api/communication-systems/{system}", json={"oauth2_idp_enabled": False}, auth=s4_admin
    )
    assert response.status_code == 200, response.text
    broken = _cli(*args, env=demo_landscape.env)
    assert broken.returncode == 1
    assert "✗" in broken.stdout
    assert "OAuth 2.0 Identity Provider is on" in broken.stdout
    assert "seed step 7" in broken.stdout


def test_doctor_against_remote_services(demo_landscape: Running) -> None:
    """URLs + credentials instead of a data dir: configuration through the admin APIs, the live check through
    the Destination service's find; what it cannot see from outside is listed as such (–)."""
    credentials = json.loads((demo_landscape.data_dir / "demo-credentials.json").read_text())
    user = credentials["subaccount"]["users"][0]
    binding = demo_landscape.data_dir / "binding.json"
    binding.write_text(json.dumps(credentials["subaccount"]["binding"]))
    env = {
        **demo_landscape.env,
        "TRUSTBRIDGE_SUBACCOUNT_ADMIN_PASSWORD": credentials["subaccount"]["admin_password"],
        "TRUSTBRIDGE_S4_ADMIN_PASSWORD": credentials["s4"]["admin_password"],
        "TRUSTBRIDGE_DOCTOR_USER_PASSWORD": user["password"],
    }
    result = _cli(
        "doctor", "S4HANACloud", "--user", user["login"], "--subaccount-url", demo_landscape.subaccount,
        "--s4-url", demo_landscape.s4, "--binding", str(binding), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "live token exchange (Destination service find)" in result.stdout
    assert "–" in result.stdout  # the NameID cannot be seen from outside
    assert "✗" not in result.stdout
