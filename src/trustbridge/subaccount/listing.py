"""Query options of ``GET/DELETE /v1/subaccountDestinations``: ``$filter``, ``$select``, paging [SPEC].

The spec defines three mutually exclusive modes: *default* (optional ``$filter`` and ``$includeMetadata``),
*select* (``$select=Name``: names only) and *pagination* (``$page`` with ``$pageSize`` ≤ 1000, default 10,
``$pageCount``, ``$entityCount``). ``$filter`` is one of ``Name in ('a', 'b')`` (names percent-encoded inside
the quotes), ``startswith(Name, 'p')``, ``endswith(Name, 's')`` (``''`` escapes a quote) or
``modifiedwithin('<1..1440>', 'minutes')``. Bulk DELETE accepts only the in-list form.

Parsing is pure (no HTTP, no database); a malformed option raises :class:`BadQuery` (HTTP 400).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from trustbridge.errors import DomainError

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
METADATA_NAMES = ("modification_time", "etag")
MAX_MODIFIED_WITHIN_MINUTES = 1440


class BadQuery(DomainError):
    """A query option the spec does not allow (HTTP 400)."""

    status = 400


@dataclass(frozen=True)
class NameIn:
    names: tuple[str, ...]

    def matches(self, name: str, modified_at: dt.datetime, now: dt.datetime) -> bool:
        return name in self.names


@dataclass(frozen=True)
class NameStartsWith:
    prefix: str

    def matches(self, name: str, modified_at: dt.datetime, now: dt.datetime) -> bool:
        return name.startswith(self.prefix)


@dataclass(frozen=True)
class NameEndsWith:
    suffix: str

    def matches(self, name: str, modified_at: dt.datetime, now: dt.datetime) -> bool:
        return name.endswith(self.suffix)


@dataclass(frozen=True)
class ModifiedWithin:
    minutes: int

    def matches(self, name: str, modified_at: dt.datetime, now: dt.datetime) -> bool:
        return modified_at >= now - dt.timedelta(minutes=self.minutes)


NameFilter = NameIn | NameStartsWith | NameEndsWith | ModifiedWithin


@dataclass(frozen=True)
class ListQuery:
    """The parsed options of a list request; ``page is None`` outside pagination mode."""

    filter: NameFilter | None = None
    select_names: bool = False
    include_metadata: tuple[str, ...] = ()
    page: int | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    page_count: bool = False
    entity_count: bool = False


_DIGITS = re.compile(r"[0-9]{1,9}")
_QUOTED = r"'((?:[^']|'')*)'"
_IN_LIST = re.compile(r"\s*Name\s+in\s*\((.*)\)\s*", re.DOTALL)
_LIST_BODY = re.compile(r"\s*" + _QUOTED + r"\s*(?:,\s*" + _QUOTED + r"\s*)*", re.DOTALL)
_FUNCTION = re.compile(r"\s*(startswith|endswith)\s*\(\s*Name\s*,\s*" + _QUOTED + r"\s*\)\s*", re.DOTALL)
_MODIFIED = re.compile(r"\s*modifiedwithin\s*\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)\s*")


def _unescape(text: str) -> str:
    return text.replace("''", "'")


def parse_in_list(expression: str) -> NameIn:
    """``Name in ('a%27b', 'c')`` → ``NameIn(("a'b", "c"))``; :class:`BadQuery` for anything else."""
    match = _IN_LIST.fullmatch(expression)
    if match is None:
        raise BadQuery(f"Invalid $filter '{expression}': expected Name in ('<name>', …) with percent-encoded names")
    inner = match.group(1)
    if not inner.strip():
        raise BadQuery(f"Invalid $filter '{expression}': the list of names is empty")
    if not _LIST_BODY.fullmatch(inner):
        raise BadQuery(f"Invalid $filter '{expression}': names must be in single quotes and separated by commas")
    return NameIn(tuple(unquote(name) for name in re.findall(_QUOTED, inner)))


def parse_filter(expression: str) -> NameFilter:
    """Any of the four conditions the list operation accepts."""
    if _IN_LIST.fullmatch(expression):
        return parse_in_list(expression)
    function = _FUNCTION.fullmatch(expression)
    if function is not None:
        value = _unescape(function.group(2))
        return NameStartsWith(value) if function.group(1) == "startswith" else NameEndsWith(value)
    modified = _MODIFIED.fullmatch(expression)
    if modified is not None:
        number, unit = modified.groups()
        if unit != "minutes":
            raise BadQuery(f"Invalid $filter '{expression}': the only supported time unit is 'minutes'")
        if not _DIGITS.fullmatch(number) or not 1 <= int(number) <= MAX_MODIFIED_WITHIN_MINUTES:
            raise BadQuery(
                f"Invalid $filter '{expression}': the number of minutes must be a whole number from 1 to "
                f"{MAX_MODIFIED_WITHIN_MINUTES}"
            )
        return ModifiedWithin(int(number))
    raise BadQuery(
        f"Invalid $filter '{expression}': supported are Name in (…), startswith(Name, '…'), "
        "endswith(Name, '…') and modifiedwithin('<minutes>', 'minutes')"
    )


def _boolean(params: Mapping[str, str], key: str) -> bool:
    value = params.get(key)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadQuery(f"Invalid {key} '{value}': expected true or false")
    return value == "true"


def _integer(params: Mapping[str, str], key: str, low: int, high: int | None) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if not _DIGITS.fullmatch(value) or int(value) < low or (high is not None and int(value) > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise BadQuery(f"Invalid {key} '{value}': expected a whole number {bound}")
    return int(value)


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """The options of ``GET /v1/subaccountDestinations``; mixing modes is a :class:`BadQuery`."""
    has = {key for key in ("$filter", "$select", "$page", "$includeMetadata") if key in params}
    if "$select" in has and has & {"$filter", "$page", "$includeMetadata"}:
        raise BadQuery("$select cannot be combined with $filter, $page or $includeMetadata")
    if "$page" in has and has & {"$filter", "$includeMetadata"}:
        raise BadQuery("$page cannot be combined with $filter, $select or $includeMetadata")
    paging_only = [key for key in ("$pageSize", "$pageCount", "$entityCount") if key in params]
    if paging_only and "$page" not in params:
        raise BadQuery(f"{', '.join(paging_only)} is allowed only in pagination mode (with $page)")
    if "$select" in params and params["$select"] != "Name":
        raise BadQuery(f"Invalid $select '{params['$select']}': only Name is supported")
    metadata: tuple[str, ...] = ()
    if "$includeMetadata" in params:
        metadata = tuple(part for part in params["$includeMetadata"].split(";") if part)
        unknown = [part for part in metadata if part not in METADATA_NAMES]
        if unknown or not metadata:
            raise BadQuery(
                f"Invalid $includeMetadata '{params['$includeMetadata']}': supported are "
                f"{' and '.join(METADATA_NAMES)}, separated by ';'"
            )
    return ListQuery(
        filter=parse_filter(params["$filter"]) if "$filter" in params else None,
        select_names="$select" in params,
        include_metadata=metadata,
        page=_integer(params, "$page", 1, None),
        page_size=_integer(params, "$pageSize", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE,
        page_count=_boolean(params, "$pageCount"),
        entity_count=_boolean(params, "$entityCount"),
    )


def parse_delete_filter(params: Mapping[str, str]) -> NameIn:
    """The required in-list ``$filter`` of bulk DELETE [SPEC ``destinations_bulkDelete_filter``]."""
    expression = params.get("$filter")
    if expression is None:
        raise BadQuery("Bulk delete needs $filter=Name in ('<name>', …)")
    return parse_in_list(expression)
