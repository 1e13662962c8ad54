"""``GET /api/tenant`` and the scenario value help ``GET /api/communication-scenarios`` (seed steps 15–16)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from trustbridge.errors import NotFound
from trustbridge.s4.api.unit_of_work import ok, read
from trustbridge.s4.catalog import get_scenario, search_scenarios
from trustbridge.s4.tenant import load_tenant

router = APIRouter()


@router.get("/tenant")
async def tenant(request: Request) -> JSONResponse:
    info = await read(request, load_tenant)
    return ok(info.as_dict())


@router.get("/communication-scenarios")
async def scenarios(search: str | None = None) -> JSONResponse:
    return ok({"value": [s.as_dict() for s in search_scenarios(search)]})


@router.get("/communication-scenarios/{scenario_id}")
async def scenario(scenario_id: str) -> JSONResponse:
    found = get_scenario(scenario_id)
    if found is None:
        raise NotFound(f"Communication scenario {scenario_id!r} does not exist")
    return ok(found.as_dict())
