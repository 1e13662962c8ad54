"""Business catalogs, roles and users [ABAP-BU; KBA 3729634]: the identities NameIDs are mapped onto."""

from __future__ import annotations

from typing import Any

import pytest

from .support import S4

ROLES = "/api/business-roles"
USERS = "/api/business-users"
TC_CATALOG = "SAP_CORE_BC_BPM_OINB"
TC_SCOPES = ["OV4:API_TASK_SPI_DETAILS", "OV4:API_TASK_SPI_REPLICATION"]
IAS_UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def _role(s4: S4, role_id: str = "PURCHASE_ORDER_APPROVER", catalogs: tuple[str, ...] = (TC_CATALOG,)) -> Any:
    return s4.ok("POST", ROLES, 201, json={"role_id": role_id, "name": "Approver", "catalogs": list(catalogs)})


def _user(s4: S4, **body: Any) -> Any:
    return s4.client.post(USERS, json={"user_name": "APPROVER", **body})


def _user_names(s4: S4) -> list[str]:
    return [u["user_name"] for u in s4.get(USERS)["value"]]


# -- catalogs ------------------------------------------------------------------------------------------------
def test_task_center_catalog_grants_both_scopes_and_others_none(s4: S4) -> None:
    catalogs = {c["catalog_id"]: c for c in s4.get("/api/business-catalogs")["value"]}
    assert catalogs[TC_CATALOG]["name"] == "Business Process Management - Task Center"
    assert sorted(catalogs[TC_CATALOG]["scopes"]) == TC_SCOPES
    for other in ("SAP_MM_BC_PO_MANAGE_PC", "SAP_MM_BC_PO_WIAPPROVE_PC", "SAP_CMD_BC_SUPPLIER_DSP_PC"):
        assert catalogs[other]["scopes"] == []


# -- roles ---------------------------------------------------------------------------------------------------
def test_create_and_replace_role(s4: S4) -> None:
    created = _role(s4, "purchase_order_approver", (TC_CATALOG, "SAP_MM_BC_PO_WIAPPROVE_PC", TC_CATALOG))
    assert created == {
        "role_id": "PURCHASE_ORDER_APPROVER",
        "name": "Approver",
        "catalogs": [TC_CATALOG, "SAP_MM_BC_PO_WIAPPROVE_PC"],
    }
    replaced = s4.ok(
        "PUT",
        f"{ROLES}/PURCHASE_ORDER_APPROVER",
        json={"role_id": "PURCHASE_ORDER_APPROVER", "name": "PO approver", "catalogs": ["SAP_MM_BC_PO_MANAGE_PC"]},
    )
    assert replaced["name"] == "PO approver" and replaced["catalogs"] == ["SAP_MM_BC_PO_MANAGE_PC"]
    assert s4.get(ROLES)["value"] == [replaced]


@pytest.mark.parametrize(
    ("role_id", "code"),
    [
        ("", "role_id_required"),
        ("PO APPROVER", "role_id_invalid_characters"),
        ("R" * 41, "role_id_too_long"),
        ("_APPROVER", "role_id_invalid_start"),
        ("SAP_BR_APPROVER", "role_id_reserved_prefix"),
    ],
)
def test_role_id_rules(s4: S4, role_id: str, code: str) -> None:
    s4.error(s4.client.post(ROLES, json={"role_id": role_id, "name": "n", "catalogs": []}), 422, "role_id", code)
    assert s4.get(ROLES)["value"] == []


def test_role_name_is_required(s4: S4) -> None:
    s4.error(s4.client.post(ROLES, json={"role_id": "R1", "name": " ", "catalogs": []}), 422, "name", "name_required")
    assert s4.get(ROLES)["value"] == []


def test_role_catalogs_must_be_known(s4: S4) -> None:
    response = s4.client.post(ROLES, json={"role_id": "R1", "name": "n", "catalogs": [TC_CATALOG, "SAP_CA_BC_NOPE"]})
    error = s4.error(response, 422, "catalogs", "catalog_not_found")
    assert "SAP_CA_BC_NOPE" in error["message"]
    assert s4.get(ROLES)["value"] == []
    _role(s4)
    response = s4.client.put(f"{ROLES}/PURCHASE_ORDER_APPROVER", json={"name": "n", "catalogs": ["SAP_CA_BC_NOPE"]})
    s4.error(response, 422, "catalogs", "catalog_not_found")
    assert s4.get(f"{ROLES}/PURCHASE_ORDER_APPROVER")["catalogs"] == [TC_CATALOG]


def test_role_id_is_unique_and_immutable(s4: S4) -> None:
    _role(s4)
    response = s4.client.post(ROLES, json={"role_id": "purchase_order_approver", "name": "x", "catalogs": []})
    s4.error(response, 409, "role_id", "role_id_taken")
    response = s4.client.put(f"{ROLES}/PURCHASE_ORDER_APPROVER", json={"role_id": "OTHER", "name": "x", "catalogs": []})
    s4.error(response, 422, "role_id", "role_id_immutable")
    assert s4.get(f"{ROLES}/PURCHASE_ORDER_APPROVER")["name"] == "Approver"


def test_role_assigned_to_a_user_cannot_be_deleted(s4: S4) -> None:
    _role(s4)
    assert _user(s4, roles=["PURCHASE_ORDER_APPROVER"]).status_code == 201
    s4.error(s4.client.delete(f"{ROLES}/PURCHASE_ORDER_APPROVER"), 409, "role_id", "role_in_use")
    assert [r["role_id"] for r in s4.get(ROLES)["value"]] == ["PURCHASE_ORDER_APPROVER"]
    s4.ok("PATCH", f"{USERS}/APPROVER", json={"roles": []})
    assert s4.client.delete(f"{ROLES}/PURCHASE_ORDER_APPROVER").status_code == 204


# -- users ---------------------------------------------------------------------------------------------------
def test_business_user_view_lists_roles_catalogs_and_scopes(s4: S4) -> None:
    _role(s4, "PURCHASE_ORDER_APPROVER", (TC_CATALOG, "SAP_MM_BC_PO_WIAPPROVE_PC"))
    _role(s4, "PURCHASE_ORDER_CREATOR", ("SAP_MM_BC_PO_MANAGE_PC",))
    response = _user(
        s4,
        email="Approver@Example.com",
        global_user_id=IAS_UUID,
        first_name="Anna",
        last_name="Approver",
        roles=["purchase_order_creator", "PURCHASE_ORDER_APPROVER"],
    )
    assert response.status_code == 201, response.text
    assert response.json() == {
        "user_name": "APPROVER",
        "email": "Approver@Example.com",
        "global_user_id": IAS_UUID,
        "first_name": "Anna",
        "last_name": "Approver",
        "locked": False,
        "roles": ["PURCHASE_ORDER_APPROVER", "PURCHASE_ORDER_CREATOR"],
        "catalogs": [TC_CATALOG, "SAP_MM_BC_PO_MANAGE_PC", "SAP_MM_BC_PO_WIAPPROVE_PC"],
        "scopes": TC_SCOPES,
    }
    assert s4.get(f"{USERS}/approver") == response.json()


def test_user_without_task_center_catalog_has_no_scope(s4: S4) -> None:
    _role(s4, "VIEWER_ROLE", ("SAP_MM_BC_PO_MANAGE_PC",))
    viewer = s4.ok("POST", USERS, 201, json={"user_name": "VIEWER", "roles": ["VIEWER_ROLE"]})
    assert viewer["catalogs"] == ["SAP_MM_BC_PO_MANAGE_PC"] and viewer["scopes"] == []


@pytest.mark.parametrize(
    ("user_name", "code"),
    [
        ("", "user_name_required"),
        ("ANNA APPROVER", "user_name_invalid_characters"),
        ("ANNA@EXAMPLE", "user_name_invalid_characters"),
        ("U" * 41, "user_name_too_long"),
        ("_APPROVER", "user_name_invalid_start"),
        ("SAPPROVER", "user_name_reserved_prefix"),
    ],
)
def test_business_user_name_rules(s4: S4, user_name: str, code: str) -> None:
    s4.error(s4.client.post(USERS, json={"user_name": user_name}), 422, "user_name", code)
    assert _user_names(s4) == []


def test_business_user_name_with_dot_and_dash(s4: S4) -> None:
    assert s4.ok("POST", USERS, 201, json={"user_name": "anna.m-approver_1"})["user_name"] == "ANNA.M-APPROVER_1"


def test_business_user_name_is_unique(s4: S4) -> None:
    assert _user(s4, email="a@example.com").status_code == 201
    s4.error(_user(s4, user_name="approver", email="b@example.com"), 409, "user_name", "user_name_taken")
    assert s4.get(f"{USERS}/APPROVER")["email"] == "a@example.com"


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("approver", "email_invalid"),
        ("approver@localhost", "email_invalid"),
        ("ap prover@example.com", "email_invalid"),
        ("a@b@example.com", "email_invalid"),
        (" approver@example.com", "email_surrounding_whitespace"),
        ("a" * 230 + "@example.com", "email_too_long"),
        ("", "email_empty"),
    ],
)
def test_email_syntax(s4: S4, email: str, code: str) -> None:
    s4.error(_user(s4, email=email), 422, "email", code)
    assert _user_names(s4) == []


def test_global_user_id_is_stored_exactly(s4: S4) -> None:
    exact = "3F2504E0-4f89-41D3-9a0c-0305e82c3301:/+_."
    assert _user(s4, global_user_id=exact).json()["global_user_id"] == exact
    other = s4.ok("POST", USERS, 201, json={"user_name": "OTHER", "global_user_id": exact.lower()})
    assert other["global_user_id"] == exact.lower()  # case differs: a different ID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (f" {IAS_UUID}", "global_user_id_surrounding_whitespace"),
        (f"{IAS_UUID}\t", "global_user_id_surrounding_whitespace"),
        (f"{IAS_UUID[:8]}\u200b{IAS_UUID[8:]}", "global_user_id_control_characters"),
        (f"{IAS_UUID[:8]}\x07{IAS_UUID[8:]}", "global_user_id_control_characters"),
        ("g" * 256, "global_user_id_too_long"),
        ("", "global_user_id_empty"),
    ],
)
def test_global_user_id_is_refused_rather_than_cleaned(s4: S4, value: str, code: str) -> None:
    _user(s4, global_user_id=IAS_UUID)
    s4.error(s4.client.patch(f"{USERS}/APPROVER", json={"global_user_id": value}), 422, "global_user_id", code)
    assert s4.get(f"{USERS}/APPROVER")["global_user_id"] == IAS_UUID


def test_global_user_id_of_255_characters_is_accepted_and_null_clears_it(s4: S4) -> None:
    assert _user(s4, global_user_id="g" * 255).json()["global_user_id"] == "g" * 255
    assert s4.ok("PATCH", f"{USERS}/APPROVER", json={"global_user_id": None})["global_user_id"] is None


def test_global_user_id_is_unique(s4: S4) -> None:
    _user(s4, global_user_id=IAS_UUID)
    response = s4.client.post(USERS, json={"user_name": "OTHER", "global_user_id": IAS_UUID})
    s4.error(response, 409, "global_user_id", "global_user_id_taken")
    assert _user_names(s4) == ["APPROVER"]


def test_roles_must_exist(s4: S4) -> None:
    _role(s4)
    response = _user(s4, roles=["PURCHASE_ORDER_APPROVER", "NO_SUCH_ROLE"])
    s4.error(response, 422, "roles", "role_not_found")
    assert _user_names(s4) == []


def test_lock_and_unlock_business_user(s4: S4) -> None:
    _user(s4)
    assert s4.ok("PATCH", f"{USERS}/APPROVER", json={"locked": True})["locked"] is True
    assert s4.get(f"{USERS}/APPROVER")["locked"] is True
    assert s4.ok("PATCH", f"{USERS}/APPROVER", json={"locked": False})["locked"] is False


def test_person_names_have_at_most_40_characters(s4: S4) -> None:
    s4.error(_user(s4, last_name="L" * 41), 422, "last_name", "last_name_too_long")
    s4.error(_user(s4, roles="PURCHASE_ORDER_APPROVER"), 400, "roles", "wrong_type")
    assert _user_names(s4) == []


def test_delete_business_user(s4: S4) -> None:
    _user(s4)
    assert s4.client.delete(f"{USERS}/APPROVER").status_code == 204
    assert s4.client.get(f"{USERS}/APPROVER").status_code == 404
