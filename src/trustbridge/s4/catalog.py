"""The tenant's content as code: communication scenarios and business catalogs (read-only, as in S/4).

Scenarios
- ``SAP_COM_0501`` "Workflow - Task Center Integration" [SAMPLES-S4C img 29]. Inbound services "Task Center
  Integration - SPI - Task Replication" / "… - SPI - Task Details" [img 29], scopes ``OV4:API_TASK_SPI_REPLICATION``
  and ``OV4:API_TASK_SPI_DETAILS`` [img 30]; replication path [TC-S4C]; details path INFER (same pattern,
  service group ``API_TASK_SPI_DETAILS`` [SAMPLES-S4OP]). Supported inbound methods: basic, x509, oauth2 (UNDOC;
  OAuth 2.0 per the mission, basic/x509 as every S/4 OData scenario offers them).
- ``SAP_COM_0193`` "SAP Cloud Identity Provisioning Integration" [IPS-S4; research §H]: SOAP Business User API,
  services ``QUERYBUSINESSUSERIN`` (Business User - Read) and ``MANAGEBUSINESSUSERIN`` (Business User) under
  ``/sap/bc/srt/scs_ext/sap/…`` (third-party integration guide [3P-OAG], SAP's service doc). SOAP services
  carry no OAuth scope; IPS authenticates with user and password, so basic and x509 only (recorded).

Business catalogs
- ``SAP_CORE_BC_BPM_OINB`` "Business Process Management - Task Center" grants both SAP_COM_0501 scopes; the
  catalog and its ID are named by the purchase-order mission [SAMPLES-S4C s4roleconfirmation.md, research
  task-center.md §6]; which scopes it grants is INFER (*Granted by Business Catalogs* [img 30]).
- Purchase-order and master-data catalogs from the same mission, and ``SAP_CORE_BC_COM`` (Communication
  Management), grant no Task Center scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class InboundService:
    service_id: str
    name: str
    path: str
    scope: str | None  # OData V4 scope ID (``OV4:`` prefix); SOAP services have none

    def as_dict(self) -> dict[str, object]:
        return {"service_id": self.service_id, "name": self.name, "path": self.path, "scope": self.scope}


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    name: str
    inbound_services: tuple[InboundService, ...]
    supported_authentication_methods: tuple[str, ...]

    @property
    def scopes(self) -> list[str]:
        return [s.scope for s in self.inbound_services if s.scope is not None]

    def supports(self, method: str) -> bool:
        return method in self.supported_authentication_methods

    def as_dict(self) -> dict[str, object]:
        return {
            "scenario_id": self.scenario_id,
            "name": self.name,
            "inbound_services": [s.as_dict() for s in self.inbound_services],
            "supported_authentication_methods": list(self.supported_authentication_methods),
        }


@dataclass(frozen=True)
class BusinessCatalog:
    catalog_id: str
    name: str
    scopes: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"catalog_id": self.catalog_id, "name": self.name, "scopes": list(self.scopes)}


TASK_REPLICATION_SCOPE: Final = "OV4:API_TASK_SPI_REPLICATION"
TASK_DETAILS_SCOPE: Final = "OV4:API_TASK_SPI_DETAILS"

SCENARIOS: Final[Mapping[str, Scenario]] = {
    s.scenario_id: s
    for s in (
        Scenario(
            "SAP_COM_0193",
            "SAP Cloud Identity Provisioning Integration",
            (
                InboundService(
                    "QUERYBUSINESSUSERIN", "Business User - Read", "/sap/bc/srt/scs_ext/sap/querybusinessuserin", None
                ),
                InboundService(
                    "MANAGEBUSINESSUSERIN", "Business User", "/sap/bc/srt/scs_ext/sap/managebusinessuserin", None
                ),
            ),
            ("basic", "x509"),
        ),
        Scenario(
            "SAP_COM_0501",
            "Workflow - Task Center Integration",
            (
                InboundService(
                    "API_TASK_SPI_REPLICATION",
                    "Task Center Integration - SPI - Task Replication",
                    "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/",
                    TASK_REPLICATION_SCOPE,
                ),
                InboundService(
                    "API_TASK_SPI_DETAILS",
                    "Task Center Integration - SPI - Task Details",
                    "/sap/opu/odata4/sap/api_task_spi_details/default/sap/api_task_spi_details/0001/",
                    TASK_DETAILS_SCOPE,
                ),
            ),
            ("basic", "x509", "oauth2"),
        ),
    )
}

TASK_CENTER_CATALOG_ID: Final = "SAP_CORE_BC_BPM_OINB"

BUSINESS_CATALOGS: Final[Mapping[str, BusinessCatalog]] = {
    c.catalog_id: c
    for c in (
        BusinessCatalog("SAP_CMD_BC_SUPPLIER_DSP_PC", "Master Data - Supplier Display", ()),
        BusinessCatalog(
            TASK_CENTER_CATALOG_ID,
            "Business Process Management - Task Center",
            (TASK_REPLICATION_SCOPE, TASK_DETAILS_SCOPE),
        ),
        BusinessCatalog("SAP_CORE_BC_COM", "Communication Management", ()),
        BusinessCatalog("SAP_MM_BC_PO_MANAGE_PC", "Materials Management - Purchase Orders", ()),
        BusinessCatalog("SAP_MM_BC_PO_WIAPPROVE_PC", "Materials Management - Purchase Order Approval", ()),
    )
}


def get_scenario(scenario_id: str) -> Scenario | None:
    """The scenario with this ID (case-insensitive), else ``None``."""
    return SCENARIOS.get(scenario_id.strip().upper())


def search_scenarios(search: str | None = None) -> list[Scenario]:
    """The scenario value help: case-insensitive substring match over ID and name ("0501", "task center")."""
    term = (search or "").strip().casefold()
    found = [s for s in SCENARIOS.values() if term in s.scenario_id.casefold() or term in s.name.casefold()]
    return sorted(found, key=lambda s: s.scenario_id)


def get_catalog(catalog_id: str) -> BusinessCatalog | None:
    """The catalog with this ID (case-insensitive), else ``None``."""
    return BUSINESS_CATALOGS.get(catalog_id.upper())


def list_catalogs() -> list[BusinessCatalog]:
    return sorted(BUSINESS_CATALOGS.values(), key=lambda c: c.catalog_id)


def scope_catalogs(scope: str) -> list[str]:
    """The catalogs that grant a scope (the *Granted by Business Catalogs* column [img 30])."""
    return sorted(c.catalog_id for c in BUSINESS_CATALOGS.values() if scope in c.scopes)
