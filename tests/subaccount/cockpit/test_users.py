"""*Users*: the subaccount's user directory by form, through the same rules as ``/api/users``."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.webclient import WebClient
from trustbridge.storage import Database
from trustbridge.subaccount import users

from .conftest import field_error, flashes, input_value

ALICE = {
    "login": "alice",
    "email": "alice@example.com",
    "user_uuid": "",
    "first_name": "Alice",
    "last_name": "Approver",
    "password": "Appr0ver-Passw0rd!",
}


def test_create_a_user_by_form_with_a_generated_uuid(web: WebClient, client: TestClient, database: Database) -> None:
    response = web.submit("/users/new", data=ALICE)

    assert response.status_code == 200 and str(response.url).endswith("/cockpit/users")
    (created,) = client.get("/api/users").json()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", created["user_uuid"])
    assert created == {
        "login": "alice",
        "email": "alice@example.com",
        "user_uuid": created["user_uuid"],
        "first_name": "Alice",
        "last_name": "Approver",
        "groups": [],
    }
    assert flashes(response.text) == [f"User alice created (user UUID {created['user_uuid']})"]
    assert f"<code>{created['user_uuid']}</code>" in response.text
    assert ALICE["password"] not in response.text
    with database.read() as session:
        assert users.authenticate(session, "alice", ALICE["password"]) is not None


def test_broken_rules_show_at_their_fields_and_a_taken_login_is_a_conflict(web: WebClient, client: TestClient) -> None:
    invalid = web.submit("/users/new", data={**ALICE, "email": "alice", "password": "short", "user_uuid": "a@b"})
    web.submit("/users/new", data=ALICE)
    taken = web.submit("/users/new", data={**ALICE, "email": "other@example.com"})

    assert invalid.status_code == 422
    assert field_error(invalid.text, "email") == "'alice' is not an e-mail address (name@domain.tld)"
    assert field_error(invalid.text, "password") == "The password has at least 8 characters"
    assert field_error(invalid.text, "user_uuid") == "The user UUID must not contain '@'"
    assert input_value(invalid.text, "login") == "alice"
    assert 'value="short"' not in invalid.text
    assert taken.status_code == 409
    assert field_error(taken.text, "login") == "User 'alice' already exists"
    assert [user["login"] for user in client.get("/api/users").json()] == ["alice"]


def test_delete_a_user(web: WebClient, client: TestClient) -> None:
    web.submit("/users/new", data=ALICE)
    web.submit("/users/new", data={**ALICE, "login": "bob", "email": "bob@example.com"})

    response = web.submit("/users", "/users/alice/delete")
    missing = web.submit("/users", "/users/alice/delete")

    assert flashes(response.text) == ["User alice deleted"]
    assert [user["login"] for user in client.get("/api/users").json()] == ["bob"]
    assert missing.status_code == 404
    assert "User &#39;alice&#39; does not exist" in missing.text
