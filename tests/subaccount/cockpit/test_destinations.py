"""Seed step 1's list and the destination editor: every save goes through the Destination service's rules."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.webclient import WebClient
from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import destinations
from trustbridge.subaccount.destination_secrets import is_secret
from trustbridge.subaccount.listing import ListQuery

from ..conftest import DESTINATIONS, basic_destination, saml_bearer_destination
from .conftest import field_error, flashes, has_input, input_value, row_names, selected, top_errors

DESCRIPTION = "SAP S/4HANA Cloud sample SAP Task Center destination"
# What the seed's Destination Configuration screenshot holds (with sample values).
SEED = {**saml_bearer_destination(), "Description": DESCRIPTION}
SECRET = SEED["tokenServicePassword"]
ADDITIONAL = ("tc.enabled", "tc.provider_type", "URL.queries.sap-client", "userIdSource")


def seed_form(**changes: str) -> list[tuple[str, str]]:
    """The seed's destination as the editor posts it: fixed fields, then the Additional Properties rows."""
    values = {**SEED, **changes}
    fields = [(key, value) for key, value in values.items() if key not in ADDITIONAL]
    rows = [
        (kind, text) for key in ADDITIONAL for kind, text in (("property_name", key), ("property_value", values[key]))
    ]
    return [*fields, *rows, ("action", "save")]


def stored(database: Database) -> list[str]:
    with database.read() as session:
        return [record.name for record in destinations.list_destinations(session, ListQuery()).items]


def with_secrets(database: Database, settings: Settings, name: str) -> dict[str, str]:
    with database.read() as session:
        return destinations.get_destination_with_secrets(session, SecretBox.from_settings(settings), name)


def test_the_seed_destination_created_by_form_is_what_the_api_returns(web: WebClient, client: TestClient) -> None:
    response = web.submit("/destinations/new", data=seed_form())

    assert response.status_code == 200
    assert str(response.url).endswith("/cockpit/destinations/S4HANACloud")
    assert flashes(response.text) == ["Destination S4HANACloud created"]
    expected = {key: value for key, value in SEED.items() if not is_secret(key)}
    assert client.get(f"{DESTINATIONS}/S4HANACloud").json() == expected
    assert {
        "tc.enabled": "true",
        "URL.queries.sap-client": "100",
        "userIdSource": "user_uuid",
    }.items() <= expected.items()


def test_the_list_shows_type_name_basic_properties_and_the_row_actions(web: WebClient, client: TestClient) -> None:
    client.post(DESTINATIONS, json=saml_bearer_destination())
    client.post(DESTINATIONS, json={"Name": "Bare", "Type": "HTTP", "URL": "https://bare.example.com"})

    page = web.get("/destinations").text

    assert "<h1>Destinations</h1>" in page
    assert ">New Destination</a>" in page and ">Download Trust</a>" in page
    assert page.index(">Bare<") < page.index(">S4HANACloud<")
    assert "OAuth2SAMLBearerAssertion<br>Internet<br>https://my300000-api.s4hana.ondemand.com/" in page
    assert "NoAuthentication<br>Internet<br>https://bare.example.com" in page  # SAP's defaults when absent
    assert 'href="/cockpit/destinations/S4HANACloud/check">Check Connection</a>' in page
    assert 'action="/cockpit/destinations/S4HANACloud/delete"' in page
    assert page.count(">Edit</a>") == 2


def test_delete_removes_the_destination(web: WebClient, client: TestClient, database: Database) -> None:
    client.post(DESTINATIONS, json=basic_destination("Old"))
    client.post(DESTINATIONS, json=basic_destination("Kept"))

    response = web.submit("/destinations", "/destinations/Old/delete")

    assert flashes(response.text) == ["Destination Old deleted"]
    assert stored(database) == ["Kept"]
    missing = web.submit("/destinations", "/destinations/Old/delete")
    assert missing.status_code == 404
    assert "Destination &#39;Old&#39; does not exist" in missing.text


def test_a_missing_required_property_shows_at_its_field_and_nothing_is_saved(
    web: WebClient, database: Database
) -> None:
    response = web.submit("/destinations/new", data=seed_form(audience="", clientKey=""))

    assert response.status_code == 422
    assert field_error(response.text, "audience") == (
        "Property 'audience' is required for Authentication 'OAuth2SAMLBearerAssertion'"
    )
    assert field_error(response.text, "clientKey") is not None
    assert field_error(response.text, "URL") is None
    assert stored(database) == []
    # the form comes back as typed (but for the secret)
    assert input_value(response.text, "tokenServiceUser") == "TASKCENTERCOM"
    assert row_names(response.text) == list(ADDITIONAL)


def test_a_bad_url_and_a_bad_name_show_at_their_fields(web: WebClient, database: Database) -> None:
    response = web.submit("/destinations/new", data=seed_form(Name="S4 HANA", URL="my300000-api.s4hana.ondemand.com"))

    assert response.status_code == 422
    assert "must be an absolute http(s) URL" in (field_error(response.text, "URL") or "")
    assert "may contain only letters, digits, '_' and '-'" in (field_error(response.text, "Name") or "")
    assert 'aria-describedby="URL-error"' in response.text
    assert stored(database) == []


def test_an_existing_name_is_a_conflict_at_the_name(web: WebClient, client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("S4HANACloud"))

    response = web.submit("/destinations/new", data=seed_form())

    assert response.status_code == 409
    assert field_error(response.text, "Name") == "Destination 'S4HANACloud' already exists"
    assert client.get(f"{DESTINATIONS}/S4HANACloud").json()["Authentication"] == "BasicAuthentication"


def test_rows_that_repeat_a_field_or_a_property_are_errors_at_the_row_and_nothing_is_saved(
    web: WebClient, database: Database
) -> None:
    rows = [("property_name", "URL"), ("property_value", "https://other.example.com")]
    rows += [("property_name", "tc.enabled"), ("property_value", "false"), ("action", "save")]

    response = web.submit("/destinations/new", data=[*seed_form()[:-1], *rows])
    with_bad_url = web.submit("/destinations/new", data=[*seed_form(URL="no-url")[:-1], *rows])

    assert response.status_code == 422
    assert field_error(response.text, "property-4") == "'URL' is a field of this form: enter it there, not here"
    assert field_error(response.text, "property-5") == "Property 'tc.enabled' is listed twice"
    assert field_error(response.text, "URL") is None
    # the URL field's own error stays at the field, beside the row's
    assert "must be an absolute http(s) URL (got 'no-url')" in (field_error(with_bad_url.text, "URL") or "")
    assert field_error(with_bad_url.text, "property-4") == "'URL' is a field of this form: enter it there, not here"
    assert stored(database) == []


def test_a_rule_about_a_row_shows_at_that_row(web: WebClient, database: Database) -> None:
    form = [*seed_form()[:-1], ("property_name", "tokenServiceURL.ConnectionTimeoutInSeconds")]
    form += [("property_value", "999"), ("action", "save")]

    response = web.submit("/destinations/new", data=form)

    assert response.status_code == 422
    assert "from 0 to 60" in (field_error(response.text, "property-4") or "")
    assert top_errors(response.text) is None
    assert stored(database) == []


def test_an_error_about_nothing_on_the_page_goes_on_top(web: WebClient, client: TestClient) -> None:
    client.post(DESTINATIONS, json=basic_destination("Gone"))
    page = web.get("/destinations/Gone").text
    client.delete(f"{DESTINATIONS}/Gone")  # someone else deletes it while the editor is open

    response = web.submit("/destinations/Gone", data={"Name": "Gone", "Type": "HTTP", "URL": "https://x.example.com"})

    assert "Name" in page
    assert response.status_code == 404
    assert top_errors(response.text) == "Destination 'Gone' does not exist"
    assert client.get(f"{DESTINATIONS}/Gone").status_code == 404


def test_secrets_are_never_shown_and_an_empty_one_keeps_the_stored_value(
    web: WebClient, client: TestClient, database: Database, settings: Settings
) -> None:
    created = web.submit("/destinations/new", data=seed_form())
    failed = web.submit("/destinations/new", data=seed_form(Name="Second", URL="not a url"))
    edit = web.get("/destinations/S4HANACloud")
    pages = [created.text, failed.text, edit.text, web.get("/destinations").text]
    assert failed.status_code == 422
    assert all(SECRET not in page for page in pages)
    assert "A value is stored; leave empty to keep it." in edit.text

    saved = web.submit("/destinations/S4HANACloud", data=seed_form(tokenServicePassword="", Description="changed"))

    assert saved.status_code == 200 and SECRET not in saved.text
    assert flashes(saved.text) == ["Destination S4HANACloud saved"]
    after = with_secrets(database, settings, "S4HANACloud")
    assert after["tokenServicePassword"] == SECRET
    assert after["Description"] == "changed"
    assert "tokenServicePassword" not in client.get(f"{DESTINATIONS}/S4HANACloud").json()


def test_a_new_secret_replaces_the_stored_one_and_a_dropped_secret_is_removed(
    web: WebClient, database: Database, settings: Settings
) -> None:
    web.submit("/destinations/new", data=seed_form())
    web.submit("/destinations/S4HANACloud", data=seed_form(tokenServicePassword="N3w-Token-Service-Pw"))
    assert with_secrets(database, settings, "S4HANACloud")["tokenServicePassword"] == "N3w-Token-Service-Pw"

    # Authentication switched to NoAuthentication: the form holds no password any more, so none is kept
    plain = {
        "Name": "S4HANACloud",
        "Type": "HTTP",
        "URL": "https://x.example.com",
        "Authentication": "NoAuthentication",
    }
    response = web.submit("/destinations/S4HANACloud", data={**plain, "action": "save"})

    assert response.status_code == 200
    assert with_secrets(database, settings, "S4HANACloud") == plain  # no tokenServicePassword any more


def test_the_editor_loads_fields_and_rows_of_a_stored_destination(web: WebClient, client: TestClient) -> None:
    client.post(DESTINATIONS, json={**saml_bearer_destination(), "KeyStorePassword": "Key-Store-Secret-1"})

    page = web.get("/destinations/S4HANACloud").text

    assert "<h1>Destination Configuration</h1>" in page
    assert selected(page, "Authentication") == "OAuth2SAMLBearerAssertion"
    assert selected(page, "tokenServiceURLType") == "Dedicated"
    assert input_value(page, "audience") == "https://my300000.s4hana.ondemand.com"
    assert input_value(page, "clientKey") == "TASKCENTERCOM"
    assert 'name="Name" type="text" value="S4HANACloud"' in page and " readonly " in page
    assert row_names(page) == [*ADDITIONAL, "KeyStorePassword"]
    assert "Key-Store-Secret-1" not in page and SECRET not in page
    assert web.get("/destinations/Nope").status_code == 404


def test_apply_shows_the_chosen_authentications_fields_and_keeps_what_was_typed(
    web: WebClient, database: Database
) -> None:
    typed = {"Name": "Backend", "Type": "HTTP", "URL": "https://backend.example.com", "Description": "mine"}

    basic = web.submit("/destinations/new", data={**typed, "Authentication": "BasicAuthentication", "action": "apply"})
    saml = web.submit(
        "/destinations/new", data={**typed, "Authentication": "OAuth2SAMLBearerAssertion", "action": "apply"}
    )
    client_credentials = web.submit(
        "/destinations/new",
        data={
            **typed,
            "Authentication": "OAuth2ClientCredentials",
            "tokenServiceURL": "https://t.example.com",
            "action": "apply",
        },
    )

    assert basic.status_code == 200
    assert has_input(basic.text, "User") and has_input(basic.text, "Password")
    assert not has_input(basic.text, "audience")
    assert input_value(basic.text, "Name") == "Backend" and input_value(basic.text, "Description") == "mine"
    assert selected(basic.text, "Authentication") == "BasicAuthentication"
    for name in ("audience", "clientKey", "tokenServiceURL", "tokenServiceUser", "tokenServicePassword"):
        assert has_input(saml.text, name), name
    assert input_value(saml.text, "authnContextClassRef") == "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
    assert selected(saml.text, "tokenServiceURLType") == "Dedicated"
    assert not has_input(saml.text, "User")
    assert has_input(client_credentials.text, "clientId") and has_input(client_credentials.text, "clientSecret")
    assert input_value(client_credentials.text, "tokenServiceURL") == "https://t.example.com"
    assert 'data-refresh="apply-authentication"' in basic.text and 'id="apply-authentication"' in basic.text
    assert stored(database) == []


def test_new_property_adds_an_empty_row_and_remove_takes_one_out(web: WebClient, database: Database) -> None:
    typed = [("Name", "Backend"), ("Type", "HTTP"), ("URL", "https://backend.example.com")]
    one_row = [*typed, ("property_name", "tc.enabled"), ("property_value", "true")]

    added = web.submit("/destinations/new", data=[*one_row, ("action", "new_property")])
    two_rows = [*one_row, ("property_name", "tc.ui.label"), ("property_value", "Backend tasks")]
    removed = web.submit("/destinations/new", data=[*two_rows, ("remove_property", "0")])

    assert row_names(added.text) == ["tc.enabled", ""]
    assert 'list="property-names"' in added.text and '<option value="URL.queries.sap-client">' in added.text
    assert row_names(removed.text) == ["tc.ui.label"]
    assert input_value(removed.text, "property_value") == "Backend tasks"
    assert stored(database) == []
