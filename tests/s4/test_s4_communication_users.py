"""Communication-user rules [ABAP-COMMUSER] and recorded choices; each rejection names field and code."""

from __future__ import annotations

import pytest

from trustbridge.s4.communication_users import authenticate
from trustbridge.storage import Database

from .support import PASSWORD, S4

USERS = "/api/communication-users"


def _names(s4: S4) -> list[str]:
    return [u["user_name"] for u in s4.get(USERS)["value"]]


def test_lower_case_user_name_is_converted_to_upper_case(s4: S4) -> None:
    created = s4.user("taskcentercom")
    assert created["user_name"] == "TASKCENTERCOM"
    assert s4.get(f"{USERS}/taskcentercom")["user_name"] == "TASKCENTERCOM"


def test_user_name_of_40_characters_with_dot_dash_underscore_is_accepted(s4: S4) -> None:
    name = "TC.USER-1_" + "X" * 30
    assert s4.user(name)["user_name"] == name


@pytest.mark.parametrize(
    ("user_name", "code"),
    [
        ("", "user_name_required"),
        ("TASK CENTER", "user_name_invalid_characters"),
        ("TASK,CENTER", "user_name_invalid_characters"),
        ("TASKÜSER", "user_name_invalid_characters"),
        ("STRAßE", "user_name_invalid_characters"),
        ("A" * 41, "user_name_too_long"),
        ("_TASKCENTER", "user_name_invalid_start"),
        ("SAP_TASKCENTER", "user_name_reserved_prefix"),
        ("sapuser", "user_name_reserved_prefix"),
    ],
)
def test_user_name_rules(s4: S4, user_name: str, code: str) -> None:
    response = s4.client.post(USERS, json={"user_name": user_name, "description": "d", "password": PASSWORD})
    s4.error(response, 422, "user_name", code)
    assert _names(s4) == []


def test_user_name_is_unique_case_insensitively(s4: S4) -> None:
    s4.user("TASKCENTERCOM")
    response = s4.client.post(USERS, json={"user_name": "TaskCenterCom", "description": "other", "password": PASSWORD})
    s4.error(response, 409, "user_name", "user_name_taken")
    assert s4.get(f"{USERS}/TASKCENTERCOM")["description"] == "TASKCENTERCOM inbound"


@pytest.mark.parametrize("description", [None, "", "   "])
def test_description_is_required(s4: S4, description: str | None) -> None:
    body = {"user_name": "TASKCENTERCOM", "password": PASSWORD}
    if description is not None:
        body["description"] = description
    s4.error(s4.client.post(USERS, json=body), 422, "description", "description_required")
    assert _names(s4) == []


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Short-Pass-123!", "password_too_short"),  # 15 < 20 [ABAP-COMMUSER]
        ("NoSpecialCharacters12345", "password_no_special_character"),  # [ABAP-COMMUSER]
        ("Aa1!" * 10 + "x", "password_too_long"),  # 41 > 40 (ABAP password length)
        ("Welcome,To-S4HANA-2025!", "password_comma"),  # [IPS-S4]
        ("Welcome To-S4HANA-2025!", "password_invalid_characters"),
        ("Welcome-To-S4HÄNA-2025!", "password_invalid_characters"),
        ("welcome-to-s4hana-2025!", "password_no_upper_case"),
        ("WELCOME-TO-S4HANA-2025!", "password_no_lower_case"),
        ("Welcome-To-Sfour-Hana!!", "password_no_digit"),
    ],
)
def test_password_rules(s4: S4, password: str, code: str) -> None:
    response = s4.client.post(USERS, json={"user_name": "TASKCENTERCOM", "description": "d", "password": password})
    s4.error(response, 422, "password", code)
    assert _names(s4) == []


def test_every_broken_rule_is_reported_at_once(s4: S4) -> None:
    response = s4.client.post(USERS, json={"user_name": "SAP X", "description": "", "password": "short"})
    error = s4.error(response, 422, "user_name", "user_name_reserved_prefix")
    found = {(d["target"], d["code"]) for d in error["details"]}
    assert {
        ("user_name", "user_name_invalid_characters"),
        ("description", "description_required"),
        ("password", "password_too_short"),
        ("password", "password_no_special_character"),
    } <= found


def test_user_without_password_is_allowed_for_certificate_logon(s4: S4) -> None:
    assert s4.user("CERTUSER", password=None)["has_password"] is False


@pytest.mark.parametrize(
    ("body", "target"),
    [({"user_name": 7, "description": "d"}, "user_name"), ({"user_name": "X1", "description": ["d"]}, "description")],
)
def test_wrong_types_are_malformed_requests(s4: S4, body: dict[str, object], target: str) -> None:
    s4.error(s4.client.post(USERS, json=body), 400, target, "wrong_type")
    assert _names(s4) == []


def test_unknown_field_is_a_malformed_request(s4: S4) -> None:
    body = {"user_name": "TASKCENTERCOM", "description": "d", "pasword": PASSWORD}
    s4.error(s4.client.post(USERS, json=body), 400, "pasword", "unknown_field")
    assert _names(s4) == []


@pytest.mark.parametrize("content", [b"{not json", b"[]", b"", b'"TASKCENTERCOM"'])
def test_body_that_is_not_a_json_object_is_a_malformed_request(s4: S4, content: bytes) -> None:
    response = s4.client.post(USERS, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert _names(s4) == []


def test_patch_with_bad_password_changes_nothing(s4: S4, database: Database) -> None:
    s4.user()
    response = s4.client.patch(f"{USERS}/TASKCENTERCOM", json={"description": "new", "password": "too-short-1A"})
    s4.error(response, 422, "password", "password_too_short")
    assert s4.get(f"{USERS}/TASKCENTERCOM")["description"] == "TASKCENTERCOM inbound"
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is not None


def test_patch_sets_new_password_and_description(s4: S4, database: Database) -> None:
    s4.user()
    new_password = "Another-Secret-2026!#"
    updated = s4.ok("PATCH", f"{USERS}/TASKCENTERCOM", json={"description": "renamed", "password": new_password})
    assert updated["description"] == "renamed"
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is None
        assert authenticate(session, "TASKCENTERCOM", new_password) is not None


def test_unknown_user_is_not_found(s4: S4) -> None:
    response = s4.client.get(f"{USERS}/NOBODY")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert s4.client.patch(f"{USERS}/NOBODY", json={"description": "x"}).status_code == 404
    assert s4.client.delete(f"{USERS}/NOBODY").status_code == 404


def test_delete_user_without_use(s4: S4) -> None:
    s4.user()
    assert s4.client.delete(f"{USERS}/TASKCENTERCOM").status_code == 204
    assert _names(s4) == []


def test_delete_user_used_by_a_system_is_refused(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "oauth2")
    error = s4.error(s4.client.delete(f"{USERS}/TASKCENTERCOM"), 409, "user_name", "communication_user_in_use")
    assert "BTP_TASK_CENTER" in error["message"]
    assert _names(s4) == ["TASKCENTERCOM"]


def test_deactivating_a_password_used_for_oauth2_is_refused(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "oauth2")
    response = s4.client.patch(f"{USERS}/TASKCENTERCOM", json={"password": None})
    s4.error(response, 409, "password", "password_in_use")
    assert s4.get(f"{USERS}/TASKCENTERCOM")["has_password"] is True


def test_deactivate_password_of_unused_user(s4: S4) -> None:
    s4.user()
    assert s4.ok("PATCH", f"{USERS}/TASKCENTERCOM", json={"password": None})["has_password"] is False


def test_three_failed_logons_lock_the_user(s4: S4, database: Database) -> None:
    """[ABAP-COMMUSER]: locked after 3 failed logons; then even the right password is refused."""
    s4.user()
    for attempt in range(1, 4):
        with database.transaction() as session:
            assert authenticate(session, "TASKCENTERCOM", f"wrong-{attempt}") is None
        shown = s4.get(f"{USERS}/TASKCENTERCOM")
        assert shown["failed_logons"] == attempt
        assert shown["locked"] is (attempt == 3)
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is None
    unlocked = s4.ok("PATCH", f"{USERS}/TASKCENTERCOM", json={"locked": False})
    assert unlocked["locked"] is False and unlocked["failed_logons"] == 0
    with database.transaction() as session:
        assert authenticate(session, "taskcentercom", PASSWORD) is not None


def test_successful_logon_resets_the_failure_count(s4: S4, database: Database) -> None:
    s4.user()
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", "wrong") is None
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is not None
    assert s4.get(f"{USERS}/TASKCENTERCOM")["failed_logons"] == 0


def test_unknown_user_and_user_without_password_never_authenticate(s4: S4, database: Database) -> None:
    s4.user("CERTUSER", password=None)
    with database.transaction() as session:
        assert authenticate(session, "NOBODY", PASSWORD) is None
        assert authenticate(session, "CERTUSER", "") is None


def test_admin_can_lock_a_user(s4: S4, database: Database) -> None:
    s4.user()
    assert s4.ok("PATCH", f"{USERS}/TASKCENTERCOM", json={"locked": True})["locked"] is True
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is None
    s4.error(s4.client.patch(f"{USERS}/TASKCENTERCOM", json={"locked": "no"}), 400, "locked", "wrong_type")


def test_proposed_passwords_differ_and_are_accepted(s4: S4) -> None:
    first = s4.ok("POST", f"{USERS}/propose-password")["password"]
    second = s4.ok("POST", f"{USERS}/propose-password")["password"]
    assert first != second
    s4.ok("POST", USERS, 201, json={"user_name": "U1", "description": "d", "password": first})
