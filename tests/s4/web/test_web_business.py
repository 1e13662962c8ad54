"""*Maintain Business Roles* and *Maintain Business Users* through the pages."""

from __future__ import annotations

from ...webclient import WebClient
from ..support import S4
from .html import Page, alerts, field_error, parse, press

TC_CATALOG = "SAP_CORE_BC_BPM_OINB"
GUID = "5f3b1c2d-7a8e-4b9f-8c1d-2e3f4a5b6c7d"


def checked(response: Page, name: str) -> list[str]:
    return [str(v) for v in parse(response).xpath(f'//input[@name="{name}"][@checked]/@value')]


def test_business_role_create_edit_delete(web: WebClient, s4: S4) -> None:
    new = web.get("/business-roles/new")
    assert TC_CATALOG in parse(new).xpath('//input[@name="catalogs"]/@value')
    created = web.submit(
        "/business-roles/new", data=[("role_id", "zbr_task_center"), ("name", "Task Center"), ("catalogs", TC_CATALOG)]
    )
    assert created.url.path == "/ui/business-roles/ZBR_TASK_CENTER" and "created" in created.text
    assert checked(created, "catalogs") == [TC_CATALOG]
    saved = press(web, created, "/business-roles/ZBR_TASK_CENTER", None, {"name": "Task Center Users", "catalogs": []})
    assert "Business role ZBR_TASK_CENTER saved" in saved.text
    assert s4.get("/api/business-roles/ZBR_TASK_CENTER") == {
        "role_id": "ZBR_TASK_CENTER",
        "name": "Task Center Users",
        "catalogs": [],
    }
    deleted = web.submit("/business-roles/ZBR_TASK_CENTER", "/business-roles/ZBR_TASK_CENTER/delete")
    assert deleted.url.path == "/ui/business-roles" and s4.get("/api/business-roles") == {"value": []}


def test_business_role_errors_at_their_fields(web: WebClient, s4: S4) -> None:
    bad = web.submit("/business-roles/new", data=[("role_id", "SAP_BR_MINE"), ("name", ""), ("catalogs", "NOPE")])
    assert bad.status_code == 422
    assert "reserved for SAP" in field_error(bad, "role_id")
    assert "is required" in field_error(bad, "name")
    assert "Unknown business catalog(s): NOPE" in field_error(bad, "catalogs")
    s4.ok("POST", "/api/business-roles", 201, json={"role_id": "ZBR_TC", "name": "TC", "catalogs": []})
    s4.ok("POST", "/api/business-users", 201, json={"user_name": "ALICE", "roles": ["ZBR_TC"]})
    refused = web.submit("/business-roles/ZBR_TC", "/business-roles/ZBR_TC/delete")
    assert refused.status_code == 409 and "is assigned to business users" in alerts(refused)
    assert [r["role_id"] for r in s4.get("/api/business-roles")["value"]] == ["ZBR_TC"]


def test_business_user_create_edit_delete(web: WebClient, s4: S4) -> None:
    s4.ok("POST", "/api/business-roles", 201, json={"role_id": "ZBR_TC", "name": "TC", "catalogs": [TC_CATALOG]})
    created = web.submit(
        "/business-users/new",
        data=[
            ("user_name", "alice"),
            ("first_name", "Alice"),
            ("last_name", "Example"),
            ("email", "alice@example.com"),
            ("global_user_id", GUID),
            ("roles", "ZBR_TC"),
        ],
    )
    assert created.url.path == "/ui/business-users/ALICE" and "Business user ALICE created" in created.text
    assert checked(created, "roles") == ["ZBR_TC"]
    user = s4.get("/api/business-users/ALICE")
    assert (user["email"], user["global_user_id"], user["roles"]) == ("alice@example.com", GUID, ["ZBR_TC"])
    assert "OV4:API_TASK_SPI_DETAILS" in user["scopes"]
    saved = press(web, created, "/business-users/ALICE", None, {"last_name": "Smith", "roles": []})
    assert "Business user ALICE saved" in saved.text
    user = s4.get("/api/business-users/ALICE")
    assert (user["last_name"], user["roles"], user["global_user_id"]) == ("Smith", [], GUID)
    web.submit("/business-users/ALICE", "/business-users/ALICE/delete")
    assert s4.get("/api/business-users") == {"value": []}


def test_business_user_errors_leave_the_user_unchanged(web: WebClient, s4: S4) -> None:
    s4.ok("POST", "/api/business-users", 201, json={"user_name": "BOB", "global_user_id": GUID})
    s4.ok("POST", "/api/business-users", 201, json={"user_name": "ALICE", "email": "alice@example.com"})
    page = web.get("/business-users/ALICE")
    bad = press(web, page, "/business-users/ALICE", None, {"email": "alice at example", "first_name": "Changed"})
    assert bad.status_code == 422 and "is not an e-mail address" in field_error(bad, "email")
    padded = press(web, page, "/business-users/ALICE", None, {"global_user_id": f" {GUID}"})
    assert padded.status_code == 422 and "must not start or end with whitespace" in field_error(
        padded, "global_user_id"
    )
    taken = press(web, page, "/business-users/ALICE", None, {"global_user_id": GUID, "first_name": "Changed"})
    assert taken.status_code == 409 and "BOB already has this Global User ID" in field_error(taken, "global_user_id")
    user = s4.get("/api/business-users/ALICE")
    assert (user["first_name"], user["email"], user["global_user_id"]) == (None, "alice@example.com", None)
