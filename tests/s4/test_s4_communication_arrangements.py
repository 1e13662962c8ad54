"""Communication-arrangement rules: name [ABAP-CAJSON], scenario, system, inbound user, method, uniqueness."""

from __future__ import annotations

from typing import Any

import pytest

from .support import S4, Certificates

ARRANGEMENTS = "/api/communication-arrangements"


def _names(s4: S4) -> list[str]:
    return [a["arrangement_name"] for a in s4.get(ARRANGEMENTS)["value"]]


def _create(s4: S4, **body: Any) -> Any:
    return s4.client.post(ARRANGEMENTS, json={"scenario_id": "SAP_COM_0501", "arrangement_name": "TASKCENTER", **body})


def _system_with(s4: S4, system_id: str, *entries: tuple[str, str]) -> None:
    """A system whose inbound users are ``entries`` (user name, method), users created as needed."""
    s4.system(system_id)
    for user_name, method in entries:
        if s4.client.get(f"/api/communication-users/{user_name}").status_code == 404:
            s4.user(user_name)
        s4.inbound(system_id, user_name, method)


# -- name and scenario ---------------------------------------------------------------------------------------
def test_name_keeps_its_case_and_80_characters_are_accepted(s4: S4) -> None:
    name = "Task-Center_" + "x" * 68
    assert s4.arrangement(name)["arrangement_name"] == name
    assert s4.client.get(f"{ARRANGEMENTS}/{name.upper()}").status_code == 404


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "arrangement_name_required"),
        ("TASK CENTER", "arrangement_name_invalid_characters"),
        ("TASK.CENTER", "arrangement_name_invalid_characters"),
        ("TASKCENTER/0501", "arrangement_name_invalid_characters"),
        ("A" * 81, "arrangement_name_too_long"),
    ],
)
def test_arrangement_name_rules(s4: S4, name: str, code: str) -> None:
    s4.error(_create(s4, arrangement_name=name), 422, "arrangement_name", code)
    assert _names(s4) == []


def test_name_defaults_to_the_scenario_id(s4: S4) -> None:
    created = s4.ok("POST", ARRANGEMENTS, 201, json={"scenario_id": "sap_com_0501"})
    assert created["arrangement_name"] == "SAP_COM_0501" and created["scenario_id"] == "SAP_COM_0501"


def test_arrangement_name_is_unique(s4: S4) -> None:
    s4.arrangement("TASKCENTER")
    s4.error(_create(s4, scenario_id="SAP_COM_0193"), 409, "arrangement_name", "arrangement_name_taken")
    assert [a["scenario_id"] for a in s4.get(ARRANGEMENTS)["value"]] == ["SAP_COM_0501"]


def test_scenario_must_exist(s4: S4) -> None:
    s4.error(_create(s4, scenario_id="SAP_COM_9999"), 422, "scenario_id", "scenario_not_found")
    s4.error(_create(s4, scenario_id=""), 422, "scenario_id", "scenario_id_required")
    assert _names(s4) == []


# -- system --------------------------------------------------------------------------------------------------
def test_system_must_exist(s4: S4) -> None:
    s4.error(_create(s4, communication_system="NOPE"), 422, "communication_system", "communication_system_not_found")
    assert _names(s4) == []


def test_system_needs_an_inbound_user(s4: S4) -> None:
    s4.system()
    s4.arrangement()
    response = s4.client.patch(f"{ARRANGEMENTS}/TASKCENTER", json={"communication_system": "BTP_TASK_CENTER"})
    s4.error(response, 422, "communication_system", "communication_system_has_no_inbound_users")
    assert s4.get(f"{ARRANGEMENTS}/TASKCENTER")["communication_system"] is None


def test_inbound_user_without_system_is_refused(s4: S4) -> None:
    s4.user()
    response = _create(s4, inbound_user="TASKCENTERCOM")
    s4.error(response, 422, "communication_system", "communication_system_required")
    assert _names(s4) == []


def test_one_arrangement_per_scenario_and_system(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.user("OTHERCOM")
    s4.inbound("BTP_TASK_CENTER", "OTHERCOM", "oauth2")
    s4.arrangement("FIRST", communication_system="BTP_TASK_CENTER", inbound_user="TASKCENTERCOM")
    s4.arrangement("SECOND")
    response = s4.client.patch(
        f"{ARRANGEMENTS}/SECOND", json={"communication_system": "BTP_TASK_CENTER", "inbound_user": "OTHERCOM"}
    )
    s4.error(response, 409, "communication_system", "arrangement_exists_for_system")
    second = s4.get(f"{ARRANGEMENTS}/SECOND")
    assert second["communication_system"] is None and second["inbound_user"] is None


def test_other_scenario_may_use_the_same_system(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("TASKCENTERCOM", "oauth2"), ("IPSCOM", "basic"))
    s4.arrangement("TC", communication_system="BTP_TASK_CENTER")
    ips = s4.arrangement("IPS", scenario_id="SAP_COM_0193", communication_system="BTP_TASK_CENTER")
    assert (ips["inbound_user"], ips["authentication_method"], ips["oauth2"]) == ("IPSCOM", "basic", None)
    assert [s["scope"] for s in ips["inbound_services"]] == [None, None]
    assert ips["inbound_services"][1]["url"] == (
        "https://my300000-api.s4hana.ondemand.com/sap/bc/srt/scs_ext/sap/managebusinessuserin"
    )


# -- inbound user and authentication method ------------------------------------------------------------------
def test_automatic_inbound_user_prefers_oauth2(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("BASICCOM", "basic"), ("TASKCENTERCOM", "oauth2"))
    created = s4.arrangement(communication_system="BTP_TASK_CENTER")
    assert (created["inbound_user"], created["authentication_method"]) == ("TASKCENTERCOM", "oauth2")
    assert created["oauth2"]["client_id"] == "TASKCENTERCOM"


def test_automatic_inbound_user_skips_methods_the_scenario_does_not_support(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("MTLSCOM", "oauth2_mtls"), ("BASICCOM", "basic"))
    created = s4.arrangement(communication_system="BTP_TASK_CENTER")
    assert (created["inbound_user"], created["authentication_method"]) == ("BASICCOM", "basic")
    assert created["oauth2"] is None
    response = s4.client.get(f"{ARRANGEMENTS}/TASKCENTER/oauth2-details")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_no_inbound_user_with_a_supported_method(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("MTLSCOM", "oauth2_mtls"))
    s4.error(_create(s4, communication_system="BTP_TASK_CENTER"), 422, "inbound_user", "no_suitable_inbound_user")
    assert _names(s4) == []


def test_given_inbound_user_must_be_an_inbound_user_of_the_system(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("TASKCENTERCOM", "oauth2"))
    s4.user("STRANGER")
    s4.arrangement(communication_system="BTP_TASK_CENTER")
    response = s4.client.patch(f"{ARRANGEMENTS}/TASKCENTER", json={"inbound_user": "STRANGER"})
    s4.error(response, 422, "inbound_user", "not_an_inbound_user_of_system")
    assert s4.get(f"{ARRANGEMENTS}/TASKCENTER")["inbound_user"] == "TASKCENTERCOM"


def test_given_inbound_user_whose_methods_the_scenario_does_not_support(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("MTLSCOM", "oauth2_mtls"), ("TASKCENTERCOM", "oauth2"))
    response = _create(s4, communication_system="BTP_TASK_CENTER", inbound_user="MTLSCOM")
    s4.error(response, 422, "inbound_user", "inbound_user_method_not_supported")
    assert _names(s4) == []


def test_method_must_be_assigned_to_the_inbound_user(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("TASKCENTERCOM", "oauth2"))
    s4.arrangement(communication_system="BTP_TASK_CENTER")
    response = s4.client.patch(f"{ARRANGEMENTS}/TASKCENTER", json={"authentication_method": "basic"})
    s4.error(response, 422, "authentication_method", "authentication_method_not_assigned")
    assert s4.get(f"{ARRANGEMENTS}/TASKCENTER")["authentication_method"] == "oauth2"


def test_method_must_be_supported_by_the_scenario(s4: S4) -> None:
    _system_with(s4, "BTP_TASK_CENTER", ("TASKCENTERCOM", "oauth2"), ("TASKCENTERCOM", "basic"))
    response = _create(
        s4, scenario_id="SAP_COM_0193", communication_system="BTP_TASK_CENTER", authentication_method="oauth2"
    )
    s4.error(response, 422, "authentication_method", "authentication_method_not_supported")
    response = _create(s4, communication_system="BTP_TASK_CENTER", authentication_method="saml")
    s4.error(response, 422, "authentication_method", "authentication_method_invalid")
    assert _names(s4) == []


def test_method_can_be_switched_to_another_entry_of_the_same_user(s4: S4) -> None:
    """Misconfiguration 9 and its fix: the arrangement picked User ID and Password; switch it to OAuth 2.0."""
    _system_with(s4, "BTP_TASK_CENTER", ("TASKCENTERCOM", "basic"), ("TASKCENTERCOM", "oauth2"))
    created = s4.arrangement(communication_system="BTP_TASK_CENTER", authentication_method="User ID and Password")
    assert created["authentication_method"] == "basic" and created["oauth2"] is None
    switched = s4.ok("PATCH", f"{ARRANGEMENTS}/TASKCENTER", json={"authentication_method": "OAuth 2.0"})
    assert switched["authentication_method"] == "oauth2" and switched["oauth2"]["client_id"] == "TASKCENTERCOM"


def test_same_inbound_user_cannot_serve_two_arrangements_of_a_scenario(s4: S4) -> None:
    _system_with(s4, "SYSTEM_A", ("TASKCENTERCOM", "oauth2"))
    _system_with(s4, "SYSTEM_B", ("TASKCENTERCOM", "oauth2"))
    s4.arrangement("TC_A", communication_system="SYSTEM_A")
    response = _create(s4, arrangement_name="TC_B", communication_system="SYSTEM_B")
    s4.error(response, 409, "inbound_user", "inbound_user_in_use_for_scenario")
    assert _names(s4) == ["TC_A"]


def test_changing_the_system_refills_the_inbound_user(s4: S4) -> None:
    _system_with(s4, "SYSTEM_A", ("USER_A", "oauth2"))
    _system_with(s4, "SYSTEM_B", ("USER_B", "oauth2"))
    s4.arrangement(communication_system="SYSTEM_A")
    moved = s4.ok("PATCH", f"{ARRANGEMENTS}/TASKCENTER", json={"communication_system": "SYSTEM_B"})
    assert (moved["communication_system"], moved["inbound_user"]) == ("SYSTEM_B", "USER_B")
    cleared = s4.ok("PATCH", f"{ARRANGEMENTS}/TASKCENTER", json={"communication_system": None})
    assert (cleared["communication_system"], cleared["inbound_user"], cleared["oauth2"]) == (None, None, None)


def test_wrong_types_and_unknown_fields_in_patch(s4: S4) -> None:
    s4.arrangement()
    s4.error(
        s4.client.patch(f"{ARRANGEMENTS}/TASKCENTER", json={"communication_system": 1}),
        400,
        "communication_system",
        "wrong_type",
    )
    s4.error(
        s4.client.patch(f"{ARRANGEMENTS}/TASKCENTER", json={"scenario_id": "SAP_COM_0193"}),
        400,
        "scenario_id",
        "unknown_field",
    )
    assert s4.get(f"{ARRANGEMENTS}/TASKCENTER")["scenario_id"] == "SAP_COM_0501"


def test_unknown_arrangement_is_not_found(s4: S4) -> None:
    for method, path in (("GET", "NOPE"), ("PATCH", "NOPE"), ("DELETE", "NOPE"), ("GET", "NOPE/oauth2-details")):
        response = s4.client.request(method, f"{ARRANGEMENTS}/{path}", json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path)


def test_delete_arrangement_frees_system_and_inbound_user(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement(communication_system="BTP_TASK_CENTER")
    assert s4.client.delete(f"{ARRANGEMENTS}/TASKCENTER").status_code == 204
    assert _names(s4) == []
    assert s4.client.delete("/api/communication-systems/BTP_TASK_CENTER").status_code == 204
