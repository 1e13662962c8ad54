"""Subaccount destinations over SAP's API: create, read, overwrite, delete, arrays, ETags [SPEC]."""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.destinations import get_destination_with_secrets
from trustbridge.subaccount.models import Destination

from .conftest import DESTINATIONS, basic_destination, error_message, names, saml_bearer_destination


def _public(destination: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in destination.items() if not key.endswith(("Password", "Secret"))}


def _row(database: Database, name: str) -> Destination:
    with database.read() as session:
        row = session.scalars(select(Destination).where(Destination.name == name)).one()
        session.expunge(row)
        return row


def test_create_and_read_back_every_property_verbatim(client: TestClient) -> None:
    destination = saml_bearer_destination(
        **{
            "tc.ui.label.de-DE": "SAP S/4HANA Cloud Aufgabe",
            "x_user_token.jwks_uri": "https://idp.example.com/oauth2/certs",
            "URL.headers.X-Custom": "  spaced value  ",
            "Description": "Ünïcödé ✓",
            "audience": "https://my300000.s4hana.ondemand.com",
        }
    )
    destination["AUDIENCE"] = "another key: keys are case-sensitive"

    created = client.post(DESTINATIONS, json=destination)

    assert created.status_code == 201
    assert created.content == b""
    read = client.get(f"{DESTINATIONS}/S4HANACloud")
    assert read.status_code == 200
    body = read.json()
    assert body == _public(destination)
    assert list(body) == list(_public(destination))  # the order given is kept
    assert body["audience"] != body["AUDIENCE"]
    assert client.get(DESTINATIONS).json() == [_public(destination)]


def test_destination_without_proxy_type_and_authentication_is_accepted_as_given(client: TestClient) -> None:
    # SAP's Python SDK creates destinations with only Name, Type and URL [PYSDK destination.feature]
    minimal = {"Name": "minimal", "Type": "HTTP", "URL": "https://api.example.com"}

    assert client.post(DESTINATIONS, json=minimal).status_code == 201

    assert client.get(f"{DESTINATIONS}/minimal").json() == minimal  # no default written into the properties


def test_non_http_types_need_only_name_and_type(client: TestClient) -> None:
    rfc = {"Name": "ERP_RFC", "Type": "RFC", "jco.client.ashost": "erp.internal", "jco.client.client": "100"}
    assert client.post(DESTINATIONS, json=rfc).status_code == 201
    assert client.get(f"{DESTINATIONS}/ERP_RFC").json() == rfc


def test_post_of_an_existing_name_is_409_and_changes_nothing(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("Backend"))
    before = client.get(f"{DESTINATIONS}/Backend")

    response = client.post(DESTINATIONS, json=basic_destination("Backend", URL="https://other.example.com"))

    assert response.status_code == 409
    assert error_message(response) == "Destination 'Backend' already exists"
    after = client.get(f"{DESTINATIONS}/Backend")
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


def test_put_overwrites_and_bumps_revision(client: TestClient, database: Database) -> None:
    client.post(DESTINATIONS, json=basic_destination("Backend", **{"Description": "old", "tc.enabled": "true"}))
    first = _row(database, "Backend")
    etag = client.get(f"{DESTINATIONS}/Backend").headers["etag"]

    replacement = basic_destination("Backend", URL="https://new.example.com/")
    response = client.put(DESTINATIONS, json=replacement)

    assert response.status_code == 200
    assert response.json() == {"Count": 1}
    assert client.get(f"{DESTINATIONS}/Backend").json() == _public(replacement)  # Description, tc.enabled gone
    second = _row(database, "Backend")
    assert second.revision == first.revision + 1
    assert second.modified_at > first.modified_at
    assert second.created_at == first.created_at
    assert client.get(f"{DESTINATIONS}/Backend").headers["etag"] != etag


def test_put_of_identical_content_is_not_a_change(client: TestClient, database: Database) -> None:
    client.post(DESTINATIONS, json=basic_destination("Backend"))
    first = _row(database, "Backend")

    assert client.put(DESTINATIONS, json=basic_destination("Backend")).status_code == 200

    second = _row(database, "Backend")
    assert (second.revision, second.modified_at) == (first.revision, first.modified_at)


def test_put_of_a_missing_destination_is_404_and_creates_nothing(client: TestClient) -> None:
    response = client.put(DESTINATIONS, json=basic_destination("Ghost"))

    assert response.status_code == 404
    assert error_message(response) == "Destination 'Ghost' does not exist"
    assert names(client) == []


def test_put_keeps_an_omitted_secret_and_removes_an_empty_one(
    client: TestClient, database: Database, settings: Settings
) -> None:
    box = SecretBox.from_settings(settings)
    client.post(DESTINATIONS, json=saml_bearer_destination())
    read_back = client.get(f"{DESTINATIONS}/S4HANACloud").json()  # no tokenServicePassword in it
    read_back["URL"] = "https://my300001-api.s4hana.ondemand.com/"

    assert client.put(DESTINATIONS, json=read_back).status_code == 200  # read-modify-write, as SDKs do

    with database.read() as session:
        stored = get_destination_with_secrets(session, box, "S4HANACloud")
    assert stored["URL"] == "https://my300001-api.s4hana.ondemand.com/"
    assert stored["tokenServicePassword"] == "Sup3r-Secret-Token-Service-Pw!"

    assert client.put(DESTINATIONS, json={**read_back, "tokenServicePassword": ""}).status_code == 200
    with database.read() as session:
        assert "tokenServicePassword" not in get_destination_with_secrets(session, box, "S4HANACloud")


def test_put_cannot_drop_a_required_secret_by_omission_but_by_emptying(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("Backend"))
    without_password = _public(basic_destination("Backend"))
    assert client.put(DESTINATIONS, json=without_password).status_code == 200  # the stored one is kept

    response = client.put(DESTINATIONS, json={**without_password, "Password": ""})

    assert response.status_code == 400
    assert "Property 'Password' is required for Authentication 'BasicAuthentication'" in error_message(response)


def test_get_and_delete_of_a_missing_destination_are_404(client: TestClient) -> None:
    for method in ("GET", "DELETE"):
        response = client.request(method, f"{DESTINATIONS}/Nope")
        assert response.status_code == 404
        assert error_message(response) == "Destination 'Nope' does not exist"


def test_delete_one(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("A"))
    client.post(DESTINATIONS, json=basic_destination("B"))

    response = client.delete(f"{DESTINATIONS}/A")

    assert response.status_code == 200
    assert response.json() == {"Count": 1}
    assert names(client) == ["B"]
    assert client.get(f"{DESTINATIONS}/A").status_code == 404


def test_array_post_all_created_is_201_with_etags(client: TestClient) -> None:
    response = client.post(DESTINATIONS, json=[basic_destination("A"), basic_destination("B")])

    assert response.status_code == 201
    body = response.json()
    assert [(item["name"], item["status"]) for item in body] == [("A", 201), ("B", 201)]
    assert body[0]["etag"] == client.get(f"{DESTINATIONS}/A").headers["etag"]
    assert names(client) == ["A", "B"]


def test_array_post_partial_success_is_207(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("Existing"))

    response = client.post(
        DESTINATIONS,
        json=[
            basic_destination("New1"),
            basic_destination("Existing"),
            {"Name": "Broken", "Type": "HTTP"},
            basic_destination("New1"),  # twice in one request: the second is a conflict
            "not an object",
            basic_destination("New2"),
        ],
    )

    assert response.status_code == 207
    body = response.json()
    assert [(item["name"], item["status"]) for item in body] == [
        ("New1", 201),
        ("Existing", 409),
        ("Broken", 400),
        ("New1", 409),
        ("", 400),
        ("New2", 201),
    ]
    assert "etag" in body[0] and "cause" not in body[0]
    assert body[1]["cause"] == "Destination 'Existing' already exists"
    assert "Property 'URL' is required" in body[2]["cause"]
    assert "JSON object" in body[4]["cause"]
    assert names(client) == ["Existing", "New1", "New2"]


def test_array_post_where_everything_fails_is_207_and_creates_nothing(client: TestClient) -> None:
    response = client.post(DESTINATIONS, json=[{"Name": "x"}, {"Type": "HTTP"}])

    assert response.status_code == 207
    assert [item["status"] for item in response.json()] == [400, 400]
    assert names(client) == []


def test_array_put(client: TestClient) -> None:
    client.post(DESTINATIONS, json=[basic_destination("A"), basic_destination("B")])

    all_ok = client.put(DESTINATIONS, json=[basic_destination("A", User="BOB"), basic_destination("B", User="EVE")])
    assert all_ok.status_code == 200
    assert [(item["name"], item["status"]) for item in all_ok.json()] == [("A", 200), ("B", 200)]
    assert client.get(f"{DESTINATIONS}/B").json()["User"] == "EVE"

    mixed = client.put(
        DESTINATIONS,
        json=[basic_destination("A", User="CAROL"), basic_destination("Missing"), basic_destination("B", URL="x")],
    )
    assert mixed.status_code == 207
    assert [(item["name"], item["status"]) for item in mixed.json()] == [("A", 200), ("Missing", 404), ("B", 400)]
    assert client.get(f"{DESTINATIONS}/A").json()["User"] == "CAROL"
    assert client.get(f"{DESTINATIONS}/B").json()["User"] == "EVE"  # the refused item changed nothing
    assert names(client) == ["A", "B"]


def test_malformed_bodies_are_400(client: TestClient) -> None:
    for content in (b"", b"{not json", b"[]", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000):
        for method in ("POST", "PUT"):
            response = client.request(method, DESTINATIONS, content=content)
            assert response.status_code == 400, (method, content)
            assert error_message(response)
    for value in ("a string", 42, None):
        response = client.post(DESTINATIONS, content=json.dumps(value).encode())
        assert response.status_code == 400
        assert "JSON object" in error_message(response)
    assert names(client) == []


def test_etag_conditional_get(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("A"))
    etag = client.get(f"{DESTINATIONS}/A").headers["etag"]
    assert len(etag) == 64

    not_modified = client.get(f"{DESTINATIONS}/A", headers={"If-None-Match": f'"{etag}"'})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert client.get(f"{DESTINATIONS}/A", headers={"If-None-Match": "other"}).status_code == 200
    assert client.get(f"{DESTINATIONS}/A", headers={"If-Match": etag}).status_code == 200

    client.put(DESTINATIONS, json=basic_destination("A", User="BOB"))
    stale = client.get(f"{DESTINATIONS}/A", headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["etag"] != etag
    assert client.get(f"{DESTINATIONS}/A", headers={"If-None-Match": etag}).status_code == 200


def test_etag_changes_when_a_name_is_deleted_and_created_again(client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("A"))
    first = client.get(f"{DESTINATIONS}/A").headers["etag"]
    client.delete(f"{DESTINATIONS}/A")
    client.post(DESTINATIONS, json=basic_destination("A", User="OTHER"))
    assert client.get(f"{DESTINATIONS}/A").headers["etag"] != first


def test_destination_name_with_url_special_characters_in_the_path(client: TestClient) -> None:
    assert client.get(f"{DESTINATIONS}/a%2Fb").status_code == 404


def test_strings_the_database_cannot_hold_are_400_or_404_on_every_backend(client: TestClient) -> None:
    """Found by schemathesis on PostgreSQL: NUL (PostgreSQL text cannot hold it) or a lone surrogate escape
    (not encodable as UTF-8) in a body reached the database (and an error message echoing it our JSON encoder):
    500. Bodies holding either are now 400; names no destination can have (D2) are not found without a query."""
    client.post(DESTINATIONS, json=basic_destination("A"))
    for bad in ("\x00", "A\x00", "\ud800", "x\udfffy"):
        for body in (
            basic_destination(bad),
            [basic_destination(bad)],
            basic_destination("B", Description=bad),
            {**basic_destination("B"), bad: "value"},
        ):
            for method in ("POST", "PUT"):
                response = client.request(method, DESTINATIONS, content=json.dumps(body), headers=_JSON)
                assert response.status_code == 400, response.text
                assert "NUL character or an unpaired surrogate" in error_message(response)
    for name in ("%00", "A%00"):
        for method in ("GET", "DELETE"):
            assert client.request(method, f"{DESTINATIONS}/{name}").status_code == 404
        deleted = client.delete(DESTINATIONS, params={"$filter": f"Name in ('{name}')"})
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["Count"] == 0
    assert names(client) == ["A"]


_JSON = {"Content-Type": "application/json"}
