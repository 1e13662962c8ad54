"""Seed steps 2–19 (``shared/seed/s4_comm_system.md``), each done through the admin API and checked."""

from __future__ import annotations

from trustbridge.pki.certificates import sha256_fingerprint
from trustbridge.s4.communication_users import authenticate
from trustbridge.security.passwords import SPECIAL_CHARACTERS
from trustbridge.storage import Database

from .support import LOCAL_URL, PASSWORD, S4, TRUST_CN, Certificates

TC_REPLICATION_PATH = "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
TC_DETAILS_PATH = "/sap/opu/odata4/sap/api_task_spi_details/default/sap/api_task_spi_details/0001/"


def test_step_02_maintain_communication_users_starts_empty(s4: S4) -> None:
    assert s4.get("/api/communication-users") == {"value": []}


def test_step_03_create_communication_user_with_proposed_password(s4: S4, database: Database) -> None:
    proposed = s4.ok("POST", "/api/communication-users/propose-password")["password"]
    assert len(proposed) >= 20 and any(c in SPECIAL_CHARACTERS for c in proposed)
    created = s4.ok(
        "POST",
        "/api/communication-users",
        201,
        json={"user_name": "TASKCENTERCOM", "description": "Task Center inbound", "password": proposed},
    )
    assert created["user_name"] == "TASKCENTERCOM"
    assert created["description"] == "Task Center inbound"
    assert created["has_password"] is True and created["locked"] is False
    assert "password" not in created and "password_hash" not in created
    assert [u["user_name"] for u in s4.get("/api/communication-users")["value"]] == ["TASKCENTERCOM"]
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", proposed) is not None
        assert authenticate(session, "TASKCENTERCOM", PASSWORD) is None


def test_step_04_communication_systems_starts_empty(s4: S4) -> None:
    assert s4.get("/api/communication-systems") == {"value": []}


def test_step_05_new_system_with_id_and_name(s4: S4) -> None:
    created = s4.ok(
        "POST",
        "/api/communication-systems",
        201,
        json={"system_id": "BTP_TASK_CENTER", "system_name": "BTP Task Center"},
    )
    assert created["system_id"] == "BTP_TASK_CENTER"
    assert created["system_name"] == "BTP Task Center"
    assert created["oauth2_idp_enabled"] is False
    assert created["user_id_mapping_mode"] == "user_name"  # the UI default [KYMA-S4]
    assert created["signing_certificate"] is None and created["inbound_users"] == []
    assert [s["system_id"] for s in s4.get("/api/communication-systems")["value"]] == ["BTP_TASK_CENTER"]


def test_step_06_host_name(s4: S4) -> None:
    s4.system()
    updated = s4.patch_system("BTP_TASK_CENTER", host_name="my300000.s4hana.ondemand.com")
    assert updated["host_name"] == "my300000.s4hana.ondemand.com"
    assert "host_name_missing" not in {w["code"] for w in updated["warnings"]}
    assert s4.get("/api/communication-systems/BTP_TASK_CENTER")["host_name"] == "my300000.s4hana.ondemand.com"


def test_step_07_enable_oauth2_identity_provider(s4: S4) -> None:
    s4.system(host_name="my300000.s4hana.ondemand.com")
    updated = s4.patch_system("BTP_TASK_CENTER", oauth2_idp_enabled=True)
    assert updated["oauth2_idp_enabled"] is True
    assert {(w["code"], w["target"]) for w in updated["warnings"]} == {
        ("signing_certificate_missing", "signing_certificate"),
        ("saml_issuer_missing", "saml_issuer"),
    }


def test_step_08_upload_signing_certificate_from_download_trust(s4: S4, certs: Certificates) -> None:
    s4.system(host_name="my300000.s4hana.ondemand.com", oauth2_idp_enabled=True)
    response = s4.upload("BTP_TASK_CENTER", certs.trust_pem)
    assert response.status_code == 200, response.text
    system = response.json()
    shown = system["signing_certificate"]
    assert shown["subject_cn"] == TRUST_CN
    assert shown["subject"] == f"OU=CP Destination Configuration,O=SAP,CN={TRUST_CN}"
    assert shown["issuer"] == shown["subject"]
    assert shown["sha256_fingerprint"] == sha256_fingerprint(certs.trust)
    assert shown["valid_from"] == certs.trust.not_valid_before_utc.isoformat()
    assert shown["valid_to"] == certs.trust.not_valid_after_utc.isoformat()
    assert system["suggested_saml_issuer"] == TRUST_CN
    assert "signing_certificate_missing" not in {w["code"] for w in system["warnings"]}


def test_step_09_saml_issuer_from_cn_and_user_uuid_mapping(s4: S4, certs: Certificates) -> None:
    s4.system(host_name="my300000.s4hana.ondemand.com", oauth2_idp_enabled=True)
    suggested = s4.upload("BTP_TASK_CENTER", certs.trust_pem).json()["suggested_saml_issuer"]
    updated = s4.patch_system("BTP_TASK_CENTER", saml_issuer=suggested, user_id_mapping_mode="User UUID")
    assert updated["saml_issuer"] == TRUST_CN
    assert updated["user_id_mapping_mode"] == "user_uuid"
    assert updated["warnings"] == []


def test_step_10_inbound_user_value_help_offers_the_communication_user(s4: S4) -> None:
    s4.user()
    s4.system()
    assert s4.get("/api/communication-systems/BTP_TASK_CENTER")["inbound_users"] == []
    choices = [u["user_name"] for u in s4.get("/api/communication-users")["value"]]
    assert choices == ["TASKCENTERCOM"]


def test_step_11_select_communication_user_for_inbound(s4: S4) -> None:
    s4.user()
    s4.system()
    system = s4.ok(
        "POST",
        "/api/communication-systems/BTP_TASK_CENTER/inbound-users",
        201,
        json={"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"},
    )
    assert system["inbound_users"] == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]


def test_step_13_saved_system_is_complete(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    saved = s4.get("/api/communication-systems/BTP_TASK_CENTER")
    assert saved["host_name"] == "my300000.s4hana.ondemand.com"
    assert saved["oauth2_idp_enabled"] is True
    assert saved["saml_issuer"] == TRUST_CN == saved["signing_certificate"]["subject_cn"]
    assert saved["user_id_mapping_mode"] == "user_uuid"
    assert saved["inbound_users"] == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]
    assert saved["warnings"] == []


def test_step_14_communication_arrangements_starts_empty(s4: S4) -> None:
    assert s4.get("/api/communication-arrangements") == {"value": []}


def test_step_15_scenario_value_help_lists_the_catalog(s4: S4) -> None:
    scenarios = s4.get("/api/communication-scenarios")["value"]
    assert [s["scenario_id"] for s in scenarios] == ["SAP_COM_0193", "SAP_COM_0501"]


def test_step_16_search_sap_com_0501(s4: S4) -> None:
    for term in ("SAP_COM_0501", "0501", "sap_com_0501", "task center", "TASK CENTER"):
        found = s4.client.get("/api/communication-scenarios", params={"search": term}).json()["value"]
        assert [s["scenario_id"] for s in found] == ["SAP_COM_0501"], term
    scenario = s4.client.get("/api/communication-scenarios", params={"search": "0501"}).json()["value"][0]
    assert scenario["name"] == "Workflow - Task Center Integration"
    assert [(i["service_id"], i["path"], i["scope"]) for i in scenario["inbound_services"]] == [
        ("API_TASK_SPI_REPLICATION", TC_REPLICATION_PATH, "OV4:API_TASK_SPI_REPLICATION"),
        ("API_TASK_SPI_DETAILS", TC_DETAILS_PATH, "OV4:API_TASK_SPI_DETAILS"),
    ]
    assert "oauth2" in scenario["supported_authentication_methods"]
    assert s4.client.get("/api/communication-scenarios", params={"search": "0999"}).json() == {"value": []}


def test_step_17_create_arrangement_with_scenario_and_name(s4: S4) -> None:
    created = s4.ok(
        "POST",
        "/api/communication-arrangements",
        201,
        json={"scenario_id": "SAP_COM_0501", "arrangement_name": "TASKCENTER_SAP_COM_0501"},
    )
    assert created["arrangement_name"] == "TASKCENTER_SAP_COM_0501"
    assert created["scenario_name"] == "Workflow - Task Center Integration"
    assert created["communication_system"] is None and created["oauth2"] is None
    assert [a["arrangement_name"] for a in s4.get("/api/communication-arrangements")["value"]] == [
        "TASKCENTER_SAP_COM_0501"
    ]


def test_step_18_choose_system_fills_inbound_user_and_oauth2(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement("TASKCENTER_SAP_COM_0501")
    arrangement = s4.ok(
        "PATCH",
        "/api/communication-arrangements/TASKCENTER_SAP_COM_0501",
        json={"communication_system": "BTP_TASK_CENTER"},
    )
    assert arrangement["communication_system"] == "BTP_TASK_CENTER"
    assert arrangement["inbound_user"] == "TASKCENTERCOM"
    assert arrangement["authentication_method"] == "oauth2"
    tenant = s4.get("/api/tenant")
    assert arrangement["own_system"] == tenant["own_system_id"]
    assert [(s["url"], s["local_url"]) for s in arrangement["inbound_services"]] == [
        (f"https://my300000-api.s4hana.ondemand.com{TC_REPLICATION_PATH}", f"{LOCAL_URL}{TC_REPLICATION_PATH}"),
        (f"https://my300000-api.s4hana.ondemand.com{TC_DETAILS_PATH}", f"{LOCAL_URL}{TC_DETAILS_PATH}"),
    ]
    assert s4.get("/api/communication-arrangements/TASKCENTER_SAP_COM_0501") == arrangement


def test_step_19_oauth2_details(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement("TASKCENTER_SAP_COM_0501", communication_system="BTP_TASK_CENTER")
    details = s4.get("/api/communication-arrangements/TASKCENTER_SAP_COM_0501/oauth2-details")
    assert details["client_id"] == "TASKCENTERCOM"
    assert details["token_service_url"] == "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"
    assert details["token_service_url_local"] == f"{LOCAL_URL}/sap/bc/sec/oauth2/token"
    assert details["saml2_audience"] == "https://my300000.s4hana.ondemand.com"  # no -api [CONN-S4C]
    assert details["scopes"] == ["OV4:API_TASK_SPI_REPLICATION", "OV4:API_TASK_SPI_DETAILS"]
    assert {a["scope"]: a["business_catalogs"] for a in details["scope_assignments"]} == {
        "OV4:API_TASK_SPI_REPLICATION": ["SAP_CORE_BC_BPM_OINB"],
        "OV4:API_TASK_SPI_DETAILS": ["SAP_CORE_BC_BPM_OINB"],
    }
    arrangement = s4.get("/api/communication-arrangements/TASKCENTER_SAP_COM_0501")
    assert arrangement["oauth2"] == details
