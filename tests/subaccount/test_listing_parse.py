"""The $filter grammar of the spec, parsed without HTTP or a database."""

from __future__ import annotations

import pytest

from trustbridge.subaccount.listing import (
    BadQuery,
    ModifiedWithin,
    NameEndsWith,
    NameIn,
    NameStartsWith,
    parse_delete_filter,
    parse_filter,
    parse_list_query,
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # the spec's own examples
        (
            "Name in ('our-team%27s-app', 'SAP_John%27s_destination')",
            NameIn(("our-team's-app", "SAP_John's_destination")),
        ),
        ("startswith(Name, 'SAP_John''s')", NameStartsWith("SAP_John's")),
        ("endswith(Name, 'John''s_destination')", NameEndsWith("John's_destination")),
        ("modifiedwithin('30', 'minutes')", ModifiedWithin(30)),
        # percent signs are literal in starts/ends-with ("All other characters must not be escaped")
        ("startswith(Name, 'a%27b')", NameStartsWith("a%27b")),
        ("Name in ('a,b', 'c')", NameIn(("a,b", "c"))),
    ],
)
def test_parse_filter(expression: str, expected: object) -> None:
    assert parse_filter(expression) == expected


def test_list_query_modes() -> None:
    assert parse_list_query({}).page is None
    paged = parse_list_query({"$page": "2", "$pageSize": "50", "$pageCount": "true"})
    assert (paged.page, paged.page_size, paged.page_count, paged.entity_count) == (2, 50, True, False)
    assert parse_list_query({"$select": "Name"}).select_names
    assert parse_list_query({"$includeMetadata": "etag"}).include_metadata == ("etag",)


def test_delete_filter_is_in_list_only() -> None:
    assert parse_delete_filter({"$filter": "Name in ('a')"}) == NameIn(("a",))
    with pytest.raises(BadQuery, match="expected Name in"):
        parse_delete_filter({"$filter": "endswith(Name, 'a')"})
    with pytest.raises(BadQuery, match="needs"):
        parse_delete_filter({})
