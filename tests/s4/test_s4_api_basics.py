"""Admin authentication, /healthz, the tenant view, and ``bootstrap`` idempotency."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.errors import ValidationFailed
from trustbridge.s4.api.app import create_app
from trustbridge.s4.models import S4Admin, Tenant
from trustbridge.s4.tenant import bootstrap
from trustbridge.security.admin import AdminBootstrap
from trustbridge.storage import Database

from .support import LOCAL_URL, PASSWORD, S4, Certificates

REALM = 'Basic realm="S/4HANA Cloud tenant"'
ENDPOINTS = [
    ("GET", "/api/tenant"),
    ("GET", "/api/communication-users"),
    ("POST", "/api/communication-users"),
    ("POST", "/api/communication-users/propose-password"),
    ("PATCH", "/api/communication-systems/BTP_TASK_CENTER"),
    ("GET", "/api/communication-scenarios"),
    ("GET", "/api/communication-arrangements/TC/oauth2-details"),
    ("GET", "/api/business-catalogs"),
    ("DELETE", "/api/business-users/APPROVER"),
]


@pytest.fixture
def anonymous(database: Database, settings: Settings, admin: AdminBootstrap) -> TestClient:
    return TestClient(create_app(database, settings))


def test_healthz_needs_no_credentials(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_api_without_credentials_is_401(anonymous: TestClient, method: str, path: str) -> None:
    response = anonymous.request(method, path, json={"user_name": "X1", "description": "d", "password": PASSWORD})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == REALM
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"admin:wrong-password").decode(),
        "Basic " + base64.b64encode(b"root:whatever").decode(),
        "Basic not-base64!",
        "Bearer abc",
    ],
)
def test_wrong_credentials_are_401_and_change_nothing(anonymous: TestClient, s4: S4, authorization: str) -> None:
    response = anonymous.post(
        "/api/communication-users",
        json={"user_name": "INTRUDER", "description": "d", "password": PASSWORD},
        headers={"Authorization": authorization},
    )
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == REALM
    assert s4.get("/api/communication-users") == {"value": []}


def test_admin_password_of_another_service_does_not_work(anonymous: TestClient, admin: AdminBootstrap, s4: S4) -> None:
    assert admin.password is not None
    assert anonymous.get("/api/tenant", auth=("admin", admin.password)).status_code == 200
    assert anonymous.get("/api/tenant", auth=("admin", admin.password + "x")).status_code == 401
    assert anonymous.get("/api/tenant", auth=("ADMIN", admin.password)).status_code == 401


def test_unknown_route_uses_the_odata_error_shape(s4: S4) -> None:
    response = s4.client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_tenant_view(s4: S4) -> None:
    tenant = s4.get("/api/tenant")
    own = tenant.pop("own_system_id")
    assert re.fullmatch(r"[0-9][A-Z0-9]{6}", own), own  # shaped like 0M2DVLA [SAMPLES-S4C img 29]
    assert tenant == {
        "name": "my300000",
        "domain": "s4hana.ondemand.com",
        "public_host": "my300000.s4hana.ondemand.com",
        "public_api_host": "my300000-api.s4hana.ondemand.com",
        "local_url": LOCAL_URL,
        "token_service_url": "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token",
        "token_service_url_local": f"{LOCAL_URL}/sap/bc/sec/oauth2/token",
        "saml2_audience": "https://my300000.s4hana.ondemand.com",
    }


def test_bootstrap_is_idempotent_and_updates_the_local_url(
    database: Database, settings: Settings, admin: AdminBootstrap, s4: S4, certs: Certificates
) -> None:
    assert admin.password is not None and admin.password_file.read_text().strip() == admin.password
    first = s4.get("/api/tenant")
    s4.configured_system(certs)
    s4.arrangement(communication_system="BTP_TASK_CENTER")

    again = bootstrap(database, settings, local_url="http://127.0.0.1:9999/", tenant_name="my999999")
    assert again.username == "admin" and again.password is None  # nothing created, password unchanged
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1
        assert session.scalar(select(func.count()).select_from(S4Admin)) == 1

    second = s4.get("/api/tenant")
    assert second["local_url"] == "http://127.0.0.1:9999"
    assert second["token_service_url_local"] == "http://127.0.0.1:9999/sap/bc/sec/oauth2/token"
    assert {k: v for k, v in second.items() if "local" not in k} == {k: v for k, v in first.items() if "local" not in k}
    services = s4.get("/api/communication-arrangements/TASKCENTER")["inbound_services"]
    assert all(s["local_url"].startswith("http://127.0.0.1:9999/sap/opu/odata4/") for s in services)
    assert s4.get("/api/communication-arrangements/TASKCENTER/oauth2-details")["token_service_url_local"] == (
        "http://127.0.0.1:9999/sap/bc/sec/oauth2/token"
    )


def test_admin_password_from_environment(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTBRIDGE_S4_ADMIN_PASSWORD", "from-the-environment-1!")
    created = bootstrap(database, settings, local_url=LOCAL_URL)
    assert created.password == "from-the-environment-1!"
    client = TestClient(create_app(database, settings))
    assert client.get("/api/tenant", auth=("admin", "from-the-environment-1!")).status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"local_url": "ftp://127.0.0.1:8082"}, "local_url"),
        ({"local_url": LOCAL_URL, "tenant_name": "My_Tenant"}, "tenant_name"),
        ({"local_url": LOCAL_URL, "domain": "localhost"}, "domain"),
    ],
)
def test_bootstrap_refuses_bad_names(
    database: Database, settings: Settings, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        bootstrap(database, settings, **kwargs)
    assert [e.field for e in raised.value.errors] == [field]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 0
