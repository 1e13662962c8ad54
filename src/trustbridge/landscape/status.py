"""``trustbridge status``: the landscape as one JSON object (the shape is a contract, see issue A)."""

from __future__ import annotations

from typing import Any

from trustbridge.landscape.clients import S4Client, SubaccountClient

JSON = dict[str, Any]


def _system(system: JSON) -> JSON:
    return {
        "system_id": system["system_id"],
        "system_name": system.get("system_name"),
        "host_name": system.get("host_name"),
        "oauth2_idp_enabled": system.get("oauth2_idp_enabled"),
        "saml_issuer": system.get("saml_issuer"),
        "user_id_mapping_mode": system.get("user_id_mapping_mode"),
        "signing_certificate": system.get("signing_certificate"),
        "inbound_users": system.get("inbound_users", []),
        "warnings": system.get("warnings", []),
    }


def _arrangement(arrangement: JSON) -> JSON:
    return {
        "name": arrangement["arrangement_name"],
        "scenario_id": arrangement["scenario_id"],
        "scenario_name": arrangement.get("scenario_name"),
        "system_id": arrangement.get("communication_system"),
        "inbound_user": arrangement.get("inbound_user"),
        "authentication_method": arrangement.get("authentication_method"),
        "inbound_services": arrangement.get("inbound_services", []),
        "oauth2": arrangement.get("oauth2"),
    }


async def collect_status(subaccount: SubaccountClient, s4: S4Client, urls: JSON | None = None) -> JSON:
    info = await subaccount.info()
    tenant = await s4.tenant()
    status: JSON = {
        "subaccount": {
            "id": info["id"],
            "subdomain": info.get("subdomain"),
            "region": info["region"],
            "url": (urls or {}).get("subaccount"),
            "trust": {"active": info["trust"].get("active"), "passive": info["trust"].get("passive")},
        },
        "s4": {
            "url": (urls or {}).get("s4"),
            "tenant": tenant,
            "communication_users": await s4.communication_users(),
            "communication_systems": [_system(s) for s in await s4.communication_systems()],
            "communication_arrangements": [_arrangement(a) for a in await s4.communication_arrangements()],
            "business_users": await s4.business_users(),
        },
        "destinations": await subaccount.destinations(),
    }
    return status
