"""SAP_COM_0501's inbound OData V4 services, protected by the token service's access tokens.

Each service root answers the OData V4 service document, ``$metadata`` its CSDL (OData V4 Part 3). The task
content is a later issue; the entity model (UNDOC at SAP, research §F) is our choice (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from trustbridge.s4.catalog import InboundService, get_scenario
from trustbridge.s4.service_access import AccessDenied, authorize, bearer_token
from trustbridge.storage import Database
from trustbridge.storage.types import utcnow

ODATA_HEADERS = {"OData-Version": "4.0"}
ENTITY_SETS = ("Tasks",)


def _metadata(service: InboundService) -> str:
    namespace = service.service_id.lower()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="com.sap.gateway.srvd_a2x.{namespace}.v0001" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="TaskType">
        <Key><PropertyRef Name="TaskID"/></Key>
        <Property Name="TaskID" Type="Edm.String" Nullable="false" MaxLength="32"/>
        <Property Name="TaskTitle" Type="Edm.String"/>
        <Property Name="TaskStatus" Type="Edm.String" MaxLength="20"/>
        <Property Name="TaskPriority" Type="Edm.String" MaxLength="20"/>
        <Property Name="CreatedOn" Type="Edm.DateTimeOffset"/>
        <Property Name="LastChangedOn" Type="Edm.DateTimeOffset"/>
      </EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="Tasks" EntityType="com.sap.gateway.srvd_a2x.{namespace}.v0001.TaskType"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""


def _denied(error: AccessDenied) -> JSONResponse:
    headers = dict(ODATA_HEADERS)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="S/4HANA Cloud", error="invalid_token"'
    return JSONResponse(
        {"error": {"code": error.code, "message": error.message}}, status_code=error.status, headers=headers
    )


def inbound_services_router(db: Database) -> APIRouter:
    router = APIRouter()
    scenario = get_scenario("SAP_COM_0501")
    assert scenario is not None

    def check(request: Request, service: InboundService) -> None:
        with db.read() as session:
            authorize(session, bearer_token(request.headers.get("authorization")), service, utcnow())

    for service in scenario.inbound_services:
        root, metadata = _views(check, service)
        # plain functions: FastAPI runs them in its thread pool (database reads stay off the event loop)
        router.add_api_route(service.path, root, methods=["GET"], include_in_schema=False)
        router.add_api_route(service.path + "$metadata", metadata, methods=["GET"], include_in_schema=False)
    return router


def _views(
    check: Callable[[Request, InboundService], None], service: InboundService
) -> tuple[Callable[[Request], Response], Callable[[Request], Response]]:
    def root(request: Request) -> Response:
        try:
            check(request, service)
        except AccessDenied as error:
            return _denied(error)
        base = str(request.url).split("?")[0]
        document = {
            "@odata.context": f"{base}$metadata",
            "value": [{"name": name, "kind": "EntitySet", "url": name} for name in ENTITY_SETS],
        }
        return JSONResponse(document, headers=ODATA_HEADERS)

    def metadata(request: Request) -> Response:
        try:
            check(request, service)
        except AccessDenied as error:
            return _denied(error)
        return Response(_metadata(service), media_type="application/xml", headers=ODATA_HEADERS)

    return root, metadata
