"""GET/DELETE /v1/subaccountDestinations with $filter, $select, $includeMetadata and paging [SPEC]."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from trustbridge.storage import Database
from trustbridge.subaccount.models import Destination

from .conftest import DESTINATIONS, basic_destination, error_message, names

ALL = ["Alpha", "Beta", "Gamma", "SAP_John_s_destination", "our-team-app", "zeta_PP"]


@pytest.fixture
def populated(client: TestClient) -> TestClient:
    response = client.post(DESTINATIONS, json=[basic_destination(name) for name in reversed(ALL)])
    assert response.status_code == 201
    return client


def _names(response_json: list[dict[str, str]]) -> list[str]:
    return [item["Name"] for item in response_json]


def test_list_is_ordered_by_name(populated: TestClient) -> None:
    assert _names(populated.get(DESTINATIONS).json()) == sorted(ALL)


def test_empty_list_is_an_empty_array(client: TestClient) -> None:
    response = client.get(DESTINATIONS)
    assert response.status_code == 200 and response.json() == []


def test_select_name(populated: TestClient) -> None:
    body = populated.get(DESTINATIONS, params={"$select": "Name"}).json()
    assert body == [{"Name": name} for name in sorted(ALL)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Name in ('Alpha', 'Gamma')", ["Alpha", "Gamma"]),
        ("Name in ('Alpha','Nope')", ["Alpha"]),
        ("Name  in  ( 'zeta_PP' )", ["zeta_PP"]),
        (
            f"Name in ('{quote('our-team-app')}', '{quote('SAP_John_s_destination')}')",
            ["SAP_John_s_destination", "our-team-app"],
        ),
        ("startswith(Name, 'SAP_')", ["SAP_John_s_destination"]),
        ("startswith(Name, 'a')", []),  # case-sensitive
        ("endswith(Name, '_PP')", ["zeta_PP"]),
        ("endswith(Name, 'a')", ["Alpha", "Beta", "Gamma"]),
        ("modifiedwithin('5', 'minutes')", sorted(ALL)),
    ],
)
def test_filter(populated: TestClient, expression: str, expected: list[str]) -> None:
    response = populated.get(DESTINATIONS, params={"$filter": expression})
    assert response.status_code == 200, response.text
    assert _names(response.json()) == expected


def test_filter_names_are_percent_decoded_from_the_raw_query(populated: TestClient) -> None:
    # the spec's curl example: --data-urlencode of a filter whose names are already percent-encoded
    response = populated.get(f"{DESTINATIONS}?$filter=Name+in+%28%27our-team%252Dapp%27%2C+%27Beta%27%29")
    assert _names(response.json()) == ["Beta", "our-team-app"]


def test_modified_within_uses_the_modification_time(populated: TestClient, database: Database) -> None:
    with database.transaction() as session:
        session.execute(
            update(Destination)
            .where(Destination.name.in_(["Alpha", "Beta"]))
            .values(modified_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=90))
        )
    recent = populated.get(DESTINATIONS, params={"$filter": "modifiedwithin('60', 'minutes')"}).json()
    day = populated.get(DESTINATIONS, params={"$filter": "modifiedwithin('1440', 'minutes')"}).json()
    assert _names(recent) == [n for n in sorted(ALL) if n not in ("Alpha", "Beta")]
    assert _names(day) == sorted(ALL)


def test_include_metadata(populated: TestClient) -> None:
    body = populated.get(DESTINATIONS, params={"$includeMetadata": "modification_time;etag"}).json()
    first = body[0]
    assert first["Name"] == "Alpha"
    assert set(first["$metadata"]) == {"modification_time", "etag"}
    assert first["$metadata"]["etag"] == populated.get(f"{DESTINATIONS}/Alpha").headers["etag"]
    modified = dt.datetime.fromisoformat(first["$metadata"]["modification_time"])
    assert abs(modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    only_etag = populated.get(DESTINATIONS, params={"$includeMetadata": "etag", "$filter": "endswith(Name, 'PP')"})
    assert only_etag.json()[0]["$metadata"].keys() == {"etag"}


def test_pagination_with_counts_and_links(populated: TestClient) -> None:
    response = populated.get(
        DESTINATIONS, params={"$page": "2", "$pageSize": "2", "$pageCount": "true", "$entityCount": "true"}
    )

    assert response.status_code == 200
    assert _names(response.json()) == sorted(ALL)[2:4]
    assert response.headers["Page-Count"] == "3"
    assert response.headers["Entity-Count"] == "6"
    assert response.headers["Link"] == (
        f"<{DESTINATIONS}?$page=1&$pageSize=2>; rel='previous', <{DESTINATIONS}?$page=3&$pageSize=2>; rel='next'"
    )


def test_pagination_defaults_and_edges(populated: TestClient) -> None:
    first = populated.get(DESTINATIONS, params={"$page": "1"})
    assert _names(first.json()) == sorted(ALL)  # default page size 10
    assert "Page-Count" not in first.headers and "Entity-Count" not in first.headers
    assert "Link" not in first.headers
    last = populated.get(DESTINATIONS, params={"$page": "3", "$pageSize": "2"})
    assert last.headers["Link"] == f"<{DESTINATIONS}?$page=2&$pageSize=2>; rel='previous'"
    beyond = populated.get(DESTINATIONS, params={"$page": "9", "$pageSize": "2", "$entityCount": "true"})
    assert beyond.status_code == 200 and beyond.json() == []
    assert beyond.headers["Entity-Count"] == "6"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"$select": "Name", "$filter": "Name in ('A')"}, "$select cannot be combined"),
        ({"$select": "Name", "$page": "1"}, "$select cannot be combined"),
        ({"$page": "1", "$filter": "Name in ('A')"}, "$page cannot be combined"),
        ({"$page": "1", "$includeMetadata": "etag"}, "$page cannot be combined"),
        ({"$pageSize": "5"}, "$pageSize is allowed only in pagination mode"),
        ({"$entityCount": "true"}, "$entityCount is allowed only in pagination mode"),
        ({"$select": "URL"}, "Invalid $select 'URL'"),
        ({"$page": "0"}, "Invalid $page '0'"),
        ({"$page": "²"}, "Invalid $page '²'"),
        ({"$filter": "modifiedwithin('³', 'minutes')"}, "from 1 to 1440"),
        ({"$page": "1", "$pageSize": "1001"}, "Invalid $pageSize '1001'"),
        ({"$page": "1", "$pageCount": "yes"}, "Invalid $pageCount 'yes'"),
        ({"$includeMetadata": "owner"}, "Invalid $includeMetadata 'owner'"),
        ({"$filter": "URL in ('x')"}, "Invalid $filter"),
        ({"$filter": "Name eq 'Alpha'"}, "Invalid $filter"),
        ({"$filter": "Name in ()"}, "the list of names is empty"),
        ({"$filter": "Name in (Alpha)"}, "names must be in single quotes"),
        ({"$filter": "modifiedwithin('0', 'minutes')"}, "from 1 to 1440"),
        ({"$filter": "modifiedwithin('1441', 'minutes')"}, "from 1 to 1440"),
        ({"$filter": "modifiedwithin('5', 'hours')"}, "the only supported time unit is 'minutes'"),
    ],
)
def test_invalid_query_options_are_400(populated: TestClient, params: dict[str, str], expected: str) -> None:
    response = populated.get(DESTINATIONS, params=params)
    assert response.status_code == 400
    assert expected in error_message(response)


def test_bulk_delete(populated: TestClient) -> None:
    response = populated.delete(DESTINATIONS, params={"$filter": "Name in ('Alpha', 'Nope', 'Gamma')"})

    assert response.status_code == 200
    assert response.json() == {
        "Count": 2,
        "Summary": [
            {"name": "Alpha", "status": "DELETED"},
            {"name": "Nope", "status": "NOT_FOUND", "reason": "Could not find configuration"},
            {"name": "Gamma", "status": "DELETED"},
        ],
    }
    assert names(populated) == [n for n in sorted(ALL) if n not in ("Alpha", "Gamma")]


@pytest.mark.parametrize(
    "params",
    [{}, {"$filter": "startswith(Name, 'A')"}, {"$filter": "Name in ()"}],
    ids=["no-filter", "not-in-list", "empty-list"],
)
def test_bulk_delete_needs_an_in_list_filter_and_changes_nothing(populated: TestClient, params: dict[str, str]) -> None:
    response = populated.delete(DESTINATIONS, params=params)
    assert response.status_code == 400
    assert error_message(response)
    assert names(populated) == sorted(ALL)
