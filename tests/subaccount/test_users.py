"""The subaccount's user directory: ``/api/users`` CRUD, one rejection per rule, ``authenticate``, JWT claims."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from trustbridge.storage import Database
from trustbridge.subaccount import users
from trustbridge.subaccount.models import SubaccountUser
from trustbridge.subaccount.setup import SubaccountBootstrap

from .conftest import error_message

USERS = "/api/users"
UUID = "5f3c1a2e-8b7d-4c6e-9a01-23456789abcd"
PASSWORD = "Appr0ver-Passw0rd!"


def alice(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "login": "alice",
        "email": "alice@example.com",
        "user_uuid": UUID,
        "first_name": "Alice",
        "last_name": "Approver",
        "groups": ["TaskCenterApprovers", "Everyone"],
        "password": PASSWORD,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def visible(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "password"}


def _hash(database: Database, login: str) -> str:
    with database.read() as session:
        return session.scalars(select(SubaccountUser.password_hash).where(SubaccountUser.login == login)).one()


# --- CRUD ------------------------------------------------------------------------------------------------------


def test_create_read_list_update_delete(client: TestClient, database: Database) -> None:
    created = client.post(USERS, json=alice())
    assert created.status_code == 201
    assert created.json() == visible(alice())

    assert client.get(f"{USERS}/alice").json() == visible(alice())
    assert client.get(USERS).json() == [visible(alice())]
    assert _hash(database, "alice").startswith("$argon2id$")

    patched = client.patch(f"{USERS}/alice", json={"email": "alice@corp.example", "groups": [], "last_name": None})
    assert patched.status_code == 200
    expected = {**visible(alice()), "email": "alice@corp.example", "groups": [], "last_name": None}
    assert patched.json() == expected
    assert client.get(f"{USERS}/alice").json() == expected

    deleted = client.delete(f"{USERS}/alice")
    assert deleted.status_code == 204
    missing = client.get(f"{USERS}/alice")
    assert missing.status_code == 404
    assert error_message(missing) == "User 'alice' does not exist"
    assert client.get(USERS).json() == []


def test_the_password_is_write_only(client: TestClient) -> None:
    client.post(USERS, json=alice())
    for response in (client.get(USERS), client.get(f"{USERS}/alice"), client.patch(f"{USERS}/alice", json={})):
        assert PASSWORD not in response.text
        assert "password" not in response.text


def test_a_user_uuid_is_generated_lower_case_as_ias_does(client: TestClient) -> None:
    created = client.post(USERS, json=alice(user_uuid=..., first_name=..., last_name=..., groups=...))
    assert created.status_code == 201
    body = created.json()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", body["user_uuid"])
    assert body["first_name"] is None and body["last_name"] is None and body["groups"] == []


def test_a_given_user_uuid_is_stored_exactly(client: TestClient) -> None:
    odd = "P000123+Team/EU:West_1.a-B"
    assert client.post(USERS, json=alice(user_uuid=odd)).json()["user_uuid"] == odd


def test_logins_ignore_case_for_lookup_and_keep_their_spelling(client: TestClient) -> None:
    client.post(USERS, json=alice(login="Alice.Smith+tc@corp"))
    assert client.get(f"{USERS}/alice.smith+tc@corp").json()["login"] == "Alice.Smith+tc@corp"
    assert client.patch(f"{USERS}/ALICE.SMITH+TC@CORP", json={"first_name": "Al"}).json()["first_name"] == "Al"


def test_names_are_trimmed_and_blank_means_none(client: TestClient) -> None:
    body = client.post(USERS, json=alice(first_name="  Alice  ", last_name="   ")).json()
    assert (body["first_name"], body["last_name"]) == ("Alice", None)


def test_patch_changes_the_password(client: TestClient, database: Database) -> None:
    client.post(USERS, json=alice())
    assert client.patch(f"{USERS}/alice", json={"password": "New-Passw0rd"}).status_code == 200
    with database.read() as session:
        assert users.authenticate(session, "alice", "New-Passw0rd") is not None
        assert users.authenticate(session, "alice", PASSWORD) is None


def test_patch_may_repeat_the_login_but_not_change_it(client: TestClient) -> None:
    client.post(USERS, json=alice())
    assert client.patch(f"{USERS}/alice", json={"login": "alice", "first_name": "A"}).status_code == 200
    refused = client.patch(f"{USERS}/alice", json={"login": "bob"})
    assert refused.status_code == 400
    assert error_message(refused) == "The login of user 'alice' cannot be changed (got 'bob')"
    assert client.get(f"{USERS}/alice").json()["first_name"] == "A"


def test_unknown_user_is_404_for_patch_and_delete(client: TestClient) -> None:
    assert error_message(client.patch(f"{USERS}/nobody", json={})) == "User 'nobody' does not exist"
    assert client.delete(f"{USERS}/nobody").status_code == 404


def test_the_api_needs_the_admin(anonymous: TestClient) -> None:
    assert anonymous.get(USERS).status_code == 401
    assert anonymous.post(USERS, json=alice()).status_code == 401
    assert anonymous.get(USERS).text == "Unauthorized"


# --- one rejection per rule: status, message, nothing changed ------------------------------------------------------

CREATE_REJECTIONS = [
    pytest.param({"login": ""}, 400, "The login is required", id="login-required"),
    pytest.param({"login": "a" * 129}, 400, "The login has at most 128 characters (got 129)", id="login-too-long"),
    pytest.param(
        {"login": "al ice"},
        400,
        "The login may contain only letters A-Z and a-z, digits and . _ @ + - (got 'al ice')",
        id="login-charset",
    ),
    pytest.param(
        {"login": "ålice"},
        400,
        "The login may contain only letters A-Z and a-z, digits and . _ @ + - (got 'ålice')",
        id="login-ascii",
    ),
    pytest.param({"login": "BOB"}, 409, "User 'bob' already exists", id="login-taken-ignoring-case"),
    pytest.param({"email": ...}, 400, "The e-mail address is required", id="email-required"),
    pytest.param(
        {"email": "alice@localhost"}, 400, "'alice@localhost' is not an e-mail address (name@domain.tld)", id="email"
    ),
    pytest.param(
        {"email": "a" * 245 + "@example.com"}, 400, "The e-mail address has at most 254 characters", id="email-long"
    ),
    pytest.param(
        {"user_uuid": "x" * 37}, 400, "The user UUID has at most 36 characters (got 37)", id="user-uuid-too-long"
    ),
    pytest.param({"user_uuid": "alice@corp"}, 400, "The user UUID must not contain '@'", id="user-uuid-at"),
    pytest.param(
        {"user_uuid": "a b"},
        400,
        "The user UUID may contain only letters, digits and - + _ / : . (got 'a b')",
        id="user-uuid-charset",
    ),
    pytest.param(
        {"user_uuid": ""}, 400, "The user UUID must not be empty (omit it to generate one)", id="user-uuid-empty"
    ),
    pytest.param(
        {"user_uuid": "bob-uuid"},
        409,
        "User 'bob' already has user UUID 'bob-uuid'; it identifies one user",
        id="user-uuid-taken",
    ),
    pytest.param({"first_name": "A" * 65}, 400, "The first name has at most 64 characters", id="first-name-long"),
    pytest.param(
        {"last_name": "Smith\x00"}, 400, "The last name must not contain control characters", id="last-name-control"
    ),
    pytest.param({"groups": ["ok", " "]}, 400, "A group name must not be empty", id="group-empty"),
    pytest.param({"groups": ["a", "a"]}, 400, "Group 'a' is listed twice", id="group-duplicate"),
    pytest.param({"groups": ["g" * 256]}, 400, "A group name has at most 255 characters", id="group-long"),
    pytest.param({"groups": "admins"}, 400, "Bad Request: field 'groups' must be a list of strings", id="groups-type"),
    pytest.param({"password": ...}, 400, "A password is required", id="password-required"),
    pytest.param({"password": "short"}, 400, "The password has at least 8 characters", id="password-short"),
    pytest.param({"password": "p" * 129}, 400, "The password has at most 128 characters", id="password-long"),
    pytest.param({"email": 5}, 400, "Bad Request: field 'email' must be a string", id="wrong-type"),
    pytest.param(
        {"role": "admin"},
        400,
        "Bad Request: unknown field 'role' (allowed: login, email, user_uuid, first_name, last_name, groups, password)",
        id="unknown-field",
    ),
]


@pytest.mark.parametrize(("change", "status", "message"), CREATE_REJECTIONS)
def test_post_breaking_a_rule_is_refused_and_changes_nothing(
    client: TestClient, change: dict[str, Any], status: int, message: str
) -> None:
    assert client.post(USERS, json=alice(login="bob", user_uuid="bob-uuid")).status_code == 201
    before = client.get(USERS).json()

    response = client.post(USERS, json=alice(**change))

    assert response.status_code == status
    assert error_message(response) == message
    assert client.get(USERS).json() == before


def test_every_broken_rule_is_named_at_once(client: TestClient) -> None:
    response = client.post(USERS, json=alice(login="a b", email="nope", password="x"))
    assert response.status_code == 400
    message = error_message(response)
    assert message.startswith("The user is invalid: ")
    for part in ("The login may contain only", "'nope' is not an e-mail address", "at least 8 characters"):
        assert part in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Request body is missing: send a JSON object"),
        (b"[]", "Request body must be a JSON object"),
        (b"{", "Request body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client: TestClient, body: bytes, message: str) -> None:
    response = client.post(USERS, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_message(response).startswith(message)
    assert client.get(USERS).json() == []


PATCH_REJECTIONS = [
    pytest.param({"email": "nope"}, 400, "'nope' is not an e-mail address (name@domain.tld)", id="email"),
    pytest.param({"user_uuid": "a@b"}, 400, "The user UUID must not contain '@'", id="user-uuid"),
    pytest.param(
        {"user_uuid": "bob-uuid"},
        409,
        "User 'bob' already has user UUID 'bob-uuid'; it identifies one user",
        id="user-uuid-taken",
    ),
    pytest.param({"groups": [""]}, 400, "A group name must not be empty", id="groups"),
    pytest.param({"password": "short"}, 400, "The password has at least 8 characters", id="password"),
    pytest.param({"email": None}, 400, "Bad Request: field 'email' must be a string", id="email-null"),
    pytest.param({"first_name": 1}, 400, "Bad Request: field 'first_name' must be a string or null", id="name-type"),
]


@pytest.mark.parametrize(("change", "status", "message"), PATCH_REJECTIONS)
def test_patch_breaking_a_rule_is_refused_and_changes_nothing(
    client: TestClient, database: Database, change: dict[str, Any], status: int, message: str
) -> None:
    client.post(USERS, json=alice(login="bob", user_uuid="bob-uuid"))
    client.post(USERS, json=alice())
    before, password_hash = client.get(USERS).json(), _hash(database, "alice")

    response = client.patch(f"{USERS}/alice", json={"first_name": "Changed", **change})

    assert response.status_code == status
    assert error_message(response) == message
    assert client.get(USERS).json() == before
    assert _hash(database, "alice") == password_hash


# --- domain: authenticate, claims ------------------------------------------------------------------------------


def test_authenticate_checks_the_password_and_ignores_login_case(database: Database, boot: SubaccountBootstrap) -> None:
    with database.transaction() as session:
        users.create_user(session, login="alice", email="alice@example.com", password=PASSWORD)
    with database.read() as session:
        user = users.authenticate(session, "ALICE", PASSWORD)
        assert user is not None and user.login == "alice"
        assert users.authenticate(session, "alice", PASSWORD + "x") is None
        assert users.authenticate(session, "nobody", PASSWORD) is None
        assert users.authenticate(session, "", PASSWORD) is None


def test_user_claims_have_the_xsuaa_shape(database: Database, boot: SubaccountBootstrap) -> None:
    with database.transaction() as session:
        users.create_user(
            session,
            login="alice",
            email="alice@example.com",
            password=PASSWORD,
            user_uuid=UUID,
            first_name="Alice",
            last_name="Approver",
            groups=["TaskCenterApprovers"],
        )
    with database.read() as session:
        claims = users.user_claims(users.require_user(session, "alice"))
    assert claims == {
        "user_name": "alice",
        "email": "alice@example.com",
        "user_uuid": UUID,
        "given_name": "Alice",
        "family_name": "Approver",
        "zid": boot.subaccount_id,
        "xs.system.attributes": {"xs.saml.groups": ["TaskCenterApprovers"]},
        "user_attributes": {},
    }


def test_claims_leave_out_unknown_names(database: Database, boot: SubaccountBootstrap) -> None:
    with database.transaction() as session:
        users.create_user(session, login="bob", email="bob@example.com", password=PASSWORD)
        claims = users.user_claims(users.require_user(session, "bob"))
    assert "given_name" not in claims and "family_name" not in claims
    assert claims["xs.system.attributes"] == {"xs.saml.groups": []}
