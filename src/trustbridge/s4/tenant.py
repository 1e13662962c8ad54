"""The tenant's identity: host names, token service URL, SAML2 audience, own system ID; and its bootstrap.

- UI host ``<tenant>.<domain>``, API host ``<tenant>-api.<domain>`` [SAMPLES-S4C img 29].
- Token service ``https://<tenant>-api.<domain>/sap/bc/sec/oauth2/token`` [img 30; CONN-S4C; research §G].
- SAML2 audience ``https://<tenant>.<domain>`` — the UI host, **no** ``-api`` [img 30; CONN-S4C].
- Own System: a read-only ID such as ``0M2DVLA`` [img 29]; generated once.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from trustbridge.config import Settings
from trustbridge.errors import Collector, NotFound
from trustbridge.s4.models import S4Admin, Tenant
from trustbridge.security.admin import AdminBootstrap, ensure_admin
from trustbridge.storage import Database

TENANT_ROW_ID: Final = 1
OAUTH2_ENDPOINT_PATH: Final = "/sap/bc/sec/oauth2/token"
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LOCAL_URL = re.compile(r"https?://[^/\s?#]+(?:/[^\s?#]*)?")


@dataclass(frozen=True)
class TenantInfo:
    """What ``GET /api/tenant`` shows; every URL the communication arrangements render derives from it."""

    name: str
    domain: str
    local_url: str
    own_system_id: str

    @property
    def public_host(self) -> str:
        return f"{self.name}.{self.domain}"

    @property
    def public_api_host(self) -> str:
        return f"{self.name}-api.{self.domain}"

    @property
    def api_url(self) -> str:
        return f"https://{self.public_api_host}"

    @property
    def token_service_url(self) -> str:
        return f"{self.api_url}{OAUTH2_ENDPOINT_PATH}"

    @property
    def token_service_url_local(self) -> str:
        return f"{self.local_url}{OAUTH2_ENDPOINT_PATH}"

    @property
    def saml2_audience(self) -> str:
        return f"https://{self.public_host}"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "domain": self.domain,
            "public_host": self.public_host,
            "public_api_host": self.public_api_host,
            "local_url": self.local_url,
            "own_system_id": self.own_system_id,
            "token_service_url": self.token_service_url,
            "token_service_url_local": self.token_service_url_local,
            "saml2_audience": self.saml2_audience,
        }


def load_tenant(session: Session) -> TenantInfo:
    """The tenant; ``NotFound`` until :func:`bootstrap` has run."""
    row = session.get(Tenant, TENANT_ROW_ID)
    if row is None:
        raise NotFound("The S/4 tenant has not been set up (run trustbridge up)")
    return TenantInfo(row.name, row.domain, row.local_url, row.own_system_id)


def generate_own_system_id() -> str:
    """An ID shaped like S/4's own-system IDs (``0M2DVLA``): a digit, then six upper-case letters or digits."""
    tail = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))
    return secrets.choice(string.digits) + tail


def _check(tenant_name: str, domain: str, local_url: str) -> str:
    collector = Collector()
    if not _DNS_LABEL.fullmatch(tenant_name):
        collector.add("tenant_name", "tenant_name_invalid", "The tenant name must be one lower-case DNS label")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        collector.add(
            "domain", "domain_invalid", "The domain must be a lower-case DNS name such as s4hana.ondemand.com"
        )
    url = local_url.rstrip("/")
    if not _LOCAL_URL.fullmatch(url):
        collector.add("local_url", "local_url_invalid", "The local URL must be http(s)://host[:port] without query")
    collector.raise_if_any()
    return url


def bootstrap(
    db: Database,
    settings: Settings,
    *,
    local_url: str,
    tenant_name: str = "my300000",
    domain: str = "s4hana.ondemand.com",
) -> AdminBootstrap:
    """Create the tenant (first start) or refresh its ``local_url`` (the port may change); ensure the admin.

    Name and domain are fixed at the first start: the trust configured elsewhere (the SAML2 audience, the token
    URL in destinations) depends on them.
    """
    url = _check(tenant_name, domain, local_url)
    settings.ensure_data_dir()
    with db.transaction() as session:
        row = session.get(Tenant, TENANT_ROW_ID)
        if row is None:
            session.add(
                Tenant(
                    id=TENANT_ROW_ID,
                    name=tenant_name,
                    domain=domain,
                    local_url=url,
                    own_system_id=generate_own_system_id(),
                )
            )
        elif row.local_url != url:
            row.local_url = url
        return ensure_admin(session, S4Admin, "s4", settings.data_dir)
