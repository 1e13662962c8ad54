"""``/destination-configuration/v1/subaccountDestinations``: SAP's admin API for subaccount destinations [SPEC].

Answers as the spec: list → JSON array (``Page-Count``/``Entity-Count``/``Link`` headers in pagination mode);
POST object → 201 with an empty body, POST/PUT array → per-item ``BulkResponse`` (201/200 when every item
succeeded, 207 otherwise); PUT object → ``{"Count": 1}``; DELETE → ``{"Count": 1}`` or the ``BulkDelete``
summary; GET one → the destination with an ``ETag`` (``If-None-Match`` → 304, ``If-Match`` → 412).
Secrets never appear in any answer (``docs/decisions.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from trustbridge.subaccount import destinations
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.bodies import BadRequest, json_body
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.api.exceptions import error_response
from trustbridge.subaccount.destinations import BulkItemResult, DestinationRecord
from trustbridge.subaccount.listing import ListQuery, parse_delete_filter, parse_list_query

BASE_PATH = "/destination-configuration/v1/subaccountDestinations"
router = APIRouter(prefix=BASE_PATH, dependencies=[Depends(require_principal)])


def _representation(record: DestinationRecord, query: ListQuery) -> dict[str, object]:
    if query.select_names:
        return {"Name": record.name}
    body: dict[str, object] = dict(record.properties)
    if query.include_metadata:
        body["$metadata"] = record.metadata(query.include_metadata)
    return body


def _link_header(query: ListQuery, page_count: int) -> str | None:
    """``</…?$page=1&$pageSize=10>; rel='previous', </…?$page=3&$pageSize=10>; rel='next'`` [SPEC, verbatim
    quoting]; the full path instead of the spec's abbreviated ``/subaccountDestinations``."""
    assert query.page is not None
    links = []
    if query.page > 1:
        links.append(f"<{BASE_PATH}?$page={query.page - 1}&$pageSize={query.page_size}>; rel='previous'")
    if query.page < page_count:
        links.append(f"<{BASE_PATH}?$page={query.page + 1}&$pageSize={query.page_size}>; rel='next'")
    return ", ".join(links) or None


def _items(body: object) -> list[object] | None:
    """The array of a bulk request (``None`` for a single object); an empty array is a 400."""
    if isinstance(body, list):
        if not body:
            raise BadRequest("Request body is an empty array: send at least one destination")
        return body
    return None


def _bulk_response(results: Sequence[BulkItemResult], success_status: int) -> JSONResponse:
    status = success_status if all(result.ok for result in results) else 207
    return JSONResponse([result.as_dict() for result in results], status_code=status)


@router.get("")
def list_destinations(request: Request, context: ServiceContext = Depends(get_context)) -> Response:
    query = parse_list_query(dict(request.query_params))
    with context.db.read() as session:
        page = destinations.list_destinations(session, query)
    headers: dict[str, str] = {}
    if query.page is not None and page.page_count is not None:
        if query.page_count:
            headers["Page-Count"] = str(page.page_count)
        if query.entity_count:
            headers["Entity-Count"] = str(page.total)
        link = _link_header(query, page.page_count)
        if link:
            headers["Link"] = link
    return JSONResponse([_representation(item, query) for item in page.items], headers=headers)


@router.post("")
def create_destinations(body: object = Depends(json_body), context: ServiceContext = Depends(get_context)) -> Response:
    items = _items(body)
    with context.db.transaction() as session:
        if items is None:
            destinations.create_destination(session, context.box, body)
            return Response(status_code=201)
        results = destinations.create_destinations(session, context.box, items)
    return _bulk_response(results, 201)


@router.put("")
def update_destinations(body: object = Depends(json_body), context: ServiceContext = Depends(get_context)) -> Response:
    items = _items(body)
    with context.db.transaction() as session:
        if items is None:
            destinations.update_destination(session, context.box, body)
            return JSONResponse({"Count": 1})
        results = destinations.update_destinations(session, context.box, items)
    return _bulk_response(results, 200)


@router.delete("")
def delete_destinations(request: Request, context: ServiceContext = Depends(get_context)) -> Response:
    selection = parse_delete_filter(dict(request.query_params))
    with context.db.transaction() as session:
        result = destinations.delete_destinations(session, selection)
    return JSONResponse(result.as_dict())


def _etags(header: str | None) -> set[str]:
    if header is None:
        return set()
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        tag = tag.removeprefix("W/").strip('"')
        if tag:
            tags.add(tag)
    return tags


@router.get("/{name}")
def get_destination(name: str, request: Request, context: ServiceContext = Depends(get_context)) -> Response:
    with context.db.read() as session:
        record = destinations.get_destination(session, name)
    headers = {"ETag": record.etag}
    none_match = _etags(request.headers.get("if-none-match"))
    if none_match and (record.etag in none_match or "*" in none_match):
        return Response(status_code=304, headers=headers)
    if_match = _etags(request.headers.get("if-match"))
    if if_match and record.etag not in if_match and "*" not in if_match:
        return error_response(412, f"Destination '{name}' has changed: its ETag is {record.etag}", headers)
    return JSONResponse(record.properties, headers=headers)


@router.delete("/{name}")
def delete_destination(name: str, context: ServiceContext = Depends(get_context)) -> dict[str, int]:
    with context.db.transaction() as session:
        destinations.delete_destination(session, name)
    return {"Count": 1}
