"""Admin API clients for the two services (HTTP, async).

They speak the APIs of ``docs/api.md``: SAP's Destination service paths on the subaccount and our S/4
communication-management API on the tenant.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

JSON = dict[str, Any]


class ApiError(Exception):
    """A service answered with an error; ``message`` is the service's own text."""

    def __init__(self, service: str, method: str, path: str, status: int, body: Any) -> None:
        self.service = service
        self.status = status
        self.body = body
        self.message = _error_text(body) or f"HTTP {status}"
        super().__init__(f"{service}: {method} {path} → {status}: {self.message}")


def _error_text(body: Any) -> str | None:
    if isinstance(body, dict):
        if isinstance(body.get("ErrorMessage"), str):
            return str(body["ErrorMessage"])
        error = body.get("error")
        if isinstance(error, dict):
            details = error.get("details") or []
            parts = [f"{d.get('target')}: {d.get('message')}" for d in details if isinstance(d, dict)]
            return "; ".join(parts) if parts else str(error.get("message"))
    if isinstance(body, str) and body:
        return body[:500]
    return None


class _Client:
    service = "service"

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        ok: tuple[int, ...] = (),
    ) -> Any:
        response = await self.http.request(method, path, json=json, content=content)
        if response.status_code >= 400 and response.status_code not in ok:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise ApiError(self.service, method, path, response.status_code, body)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    async def _get_or_none(self, path: str) -> JSON | None:
        """``GET path``: the JSON object, ``None`` on 404, :class:`ApiError` on any other error."""
        response = await self.http.get(path)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ApiError(self.service, "GET", path, response.status_code, response.text)
        result: JSON = response.json()
        return result

    async def aclose(self) -> None:
        await self.http.aclose()


class SubaccountClient(_Client):
    """The subaccount: trust (SAP's Destination API) and subaccount destinations."""

    service = "subaccount"
    base = "/destination-configuration/v1"

    async def info(self) -> JSON:
        result: JSON = await self._request("GET", "/api/subaccount")
        return result

    async def download_trust(self) -> str:
        response = await self.http.get("/cockpit/destinations/download-trust")
        if response.status_code >= 400:
            raise ApiError(self.service, "GET", "download-trust", response.status_code, response.text)
        return response.text

    async def destinations(self) -> list[JSON]:
        result: list[JSON] = await self._request("GET", f"{self.base}/subaccountDestinations")
        return result

    async def destination(self, name: str) -> JSON | None:
        return await self._get_or_none(f"{self.base}/subaccountDestinations/{quote(name, safe='')}")

    async def create_destination(self, properties: JSON) -> None:
        await self._request("POST", f"{self.base}/subaccountDestinations", json=properties)

    async def update_destination(self, properties: JSON) -> None:
        await self._request("PUT", f"{self.base}/subaccountDestinations", json=properties)

    # the user directory (trustbridge's extension, docs/api.md)
    async def users(self) -> list[JSON]:
        result: list[JSON] = await self._request("GET", "/api/users")
        return result

    async def user(self, login: str) -> JSON | None:
        return await self._get_or_none(f"/api/users/{quote(login, safe='')}")

    async def create_user(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/users", json=body)
        return result

    async def update_user(self, login: str, body: JSON) -> JSON:
        result: JSON = await self._request("PATCH", f"/api/users/{quote(login, safe='')}", json=body)
        return result

    async def delete_user(self, login: str) -> None:
        await self._request("DELETE", f"/api/users/{quote(login, safe='')}")


class S4Client(_Client):
    """The S/4 tenant's communication management and business users (docs/api.md)."""

    service = "s4"

    async def tenant(self) -> JSON:
        result: JSON = await self._request("GET", "/api/tenant")
        return result

    async def _list(self, path: str) -> list[JSON]:
        result = await self._request("GET", path)
        return list(result["value"])

    # communication users
    async def communication_users(self) -> list[JSON]:
        return await self._list("/api/communication-users")

    async def communication_user(self, user_name: str) -> JSON | None:
        return await self._get_or_none(f"/api/communication-users/{quote(user_name, safe='')}")

    async def create_communication_user(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/communication-users", json=body)
        return result

    async def update_communication_user(self, user_name: str, body: JSON) -> JSON:
        path = f"/api/communication-users/{quote(user_name, safe='')}"
        result: JSON = await self._request("PATCH", path, json=body)
        return result

    # communication systems
    async def communication_systems(self) -> list[JSON]:
        return await self._list("/api/communication-systems")

    async def communication_system(self, system_id: str) -> JSON | None:
        return await self._get_or_none(f"/api/communication-systems/{quote(system_id, safe='')}")

    async def create_communication_system(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/communication-systems", json=body)
        return result

    async def update_communication_system(self, system_id: str, body: JSON) -> JSON:
        path = f"/api/communication-systems/{quote(system_id, safe='')}"
        result: JSON = await self._request("PATCH", path, json=body)
        return result

    async def upload_signing_certificate(self, system_id: str, certificate: bytes) -> JSON:
        path = f"/api/communication-systems/{quote(system_id, safe='')}/signing-certificate"
        result: JSON = await self._request("PUT", path, content=certificate)
        return result

    async def add_inbound_user(self, system_id: str, user_name: str, authentication_method: str) -> JSON:
        path = f"/api/communication-systems/{quote(system_id, safe='')}/inbound-users"
        body = {"user_name": user_name, "authentication_method": authentication_method}
        result: JSON = await self._request("POST", path, json=body)
        return result

    # scenarios and arrangements
    async def scenarios(self, search: str = "") -> list[JSON]:
        return await self._list(f"/api/communication-scenarios?search={quote(search)}")

    async def communication_arrangements(self) -> list[JSON]:
        return await self._list("/api/communication-arrangements")

    async def communication_arrangement(self, name: str) -> JSON | None:
        return await self._get_or_none(f"/api/communication-arrangements/{quote(name, safe='')}")

    async def create_communication_arrangement(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/communication-arrangements", json=body)
        return result

    async def update_communication_arrangement(self, name: str, body: JSON) -> JSON:
        path = f"/api/communication-arrangements/{quote(name, safe='')}"
        result: JSON = await self._request("PATCH", path, json=body)
        return result

    async def oauth2_details(self, name: str) -> JSON:
        path = f"/api/communication-arrangements/{quote(name, safe='')}/oauth2-details"
        result: JSON = await self._request("GET", path)
        return result

    # business roles and users
    async def business_role(self, role_id: str) -> JSON | None:
        return await self._get_or_none(f"/api/business-roles/{quote(role_id, safe='')}")

    async def create_business_role(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/business-roles", json=body)
        return result

    async def update_business_role(self, role_id: str, body: JSON) -> JSON:
        result: JSON = await self._request("PUT", f"/api/business-roles/{quote(role_id, safe='')}", json=body)
        return result

    async def business_users(self) -> list[JSON]:
        return await self._list("/api/business-users")

    async def business_user(self, user_name: str) -> JSON | None:
        return await self._get_or_none(f"/api/business-users/{quote(user_name, safe='')}")

    async def create_business_user(self, body: JSON) -> JSON:
        result: JSON = await self._request("POST", "/api/business-users", json=body)
        return result

    async def update_business_user(self, user_name: str, body: JSON) -> JSON:
        path = f"/api/business-users/{quote(user_name, safe='')}"
        result: JSON = await self._request("PATCH", path, json=body)
        return result
