"""The landscape file: the documented example parses, and mistakes are named by their TOML path."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustbridge.landscape.spec import FROM_CERTIFICATE, FROM_SUBACCOUNT, SpecError, load_landscape, parse_landscape

EXAMPLE = Path(__file__).parents[2] / "docs" / "landscape.example.toml"


def test_the_documented_example_expresses_every_seed_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCENTERCOM_PASSWORD", "x" * 20)
    monkeypatch.setenv("APPROVER_PASSWORD", "y" * 12)
    spec = load_landscape(EXAMPLE)
    (system,) = spec.communication_systems
    assert system.signing_certificate == FROM_SUBACCOUNT
    assert system.saml_issuer == FROM_CERTIFICATE
    assert system.oauth2_idp_enabled is True
    assert [u.user_name for u in system.inbound_users] == ["TASKCENTERCOM"]
    assert spec.communication_users[0].password == "x" * 20
    assert spec.communication_arrangements[0].scenario_id == "SAP_COM_0501"
    assert spec.destinations[0].properties["URL.queries.sap-client"] == "100"
    (user,) = spec.subaccount_users
    assert (user.login, user.password, user.groups) == ("approver", "y" * 12, ("TaskCenterApprovers",))
    assert user.user_uuid == spec.business_users[0].global_user_id  # the NameID S/4 maps onto the business user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"s4": {"communication_users": [{"description": "d"}]}}, "s4.communication_users[0].user_name: required"),
        ({"s4": {"communication_systems": [{"system_id": "A", "system_name": "B", "colour": 1}]}}, "unknown key"),
        ({"s4": {"communication_systems": [{"system_id": 5, "system_name": "B"}]}}, "expected str"),
        ({"subaccount": {"destinations": [{"name": "D", "properties": {"tc.enabled": True}}]}}, "are strings"),
        ({"s4": {"communication_users": [{"user_name": "U", "description": "d", "password_env": "NOPE_X"}]}}, "NOPE_X"),
        ({"extra": {}}, "unknown key(s) extra"),
        ({"subaccount": {"users": [{"login": "a"}]}}, "subaccount.users[0].email: required"),
        ({"subaccount": {"users": [{"login": "a", "email": "a@b.c", "groups": "g"}]}}, "users[0].groups: expected"),
        ({"subaccount": {"users": [{"login": "a", "email": "a@b.c", "uuid": "x"}]}}, "unknown key(s) uuid"),
        (
            {"subaccount": {"users": [{"login": "a", "email": "a@b.c", "password": "p", "password_env": "P"}]}},
            "give password or password_env, not both",
        ),
    ],
)
def test_mistakes_are_named_by_their_path(data: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_landscape(data)
    assert message in str(raised.value)


def test_a_certificate_file_is_resolved_next_to_the_landscape_file(tmp_path: Path) -> None:
    (tmp_path / "landscape.toml").write_text(
        '[[s4.communication_systems]]\nsystem_id = "S"\nsystem_name = "S"\nsigning_certificate = "certs/trust.pem"\n'
    )
    spec = load_landscape(tmp_path / "landscape.toml")
    assert spec.communication_systems[0].signing_certificate == str(tmp_path / "certs" / "trust.pem")


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[[s4.communication_users]\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_landscape(tmp_path / "bad.toml")


def test_subaccount_users_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIEWER_PW", "secret-viewer")
    spec = parse_landscape(
        {"subaccount": {"users": [{"login": "viewer", "email": "v@example.com", "password_env": "VIEWER_PW"}]}}
    )
    (user,) = spec.subaccount_users
    assert user.password == "secret-viewer"
    assert (user.user_uuid, user.first_name, user.last_name, user.groups) == (None, None, None, ())
    assert user.visible() == {"email": "v@example.com", "first_name": None, "last_name": None, "groups": []}
