"""*Communication Systems* (seed steps 4–13): New, and the system page's draft — previews store nothing,
*Save* stores everything or nothing."""

from __future__ import annotations

from typing import Any

import httpx

from ...webclient import WebClient
from ..support import OTHER_CN, S4, TRUST_CN, Certificates
from .html import buttons, error_of, field_error, options, output, parse, press, value

PAGE = "/communication-systems/BTP_TASK_CENTER"
HOST = "my300000.s4hana.ondemand.com"


def pem(data: bytes) -> dict[str, Any]:
    return {"signing_certificate": ("trust.pem", data, "application/x-pem-file")}


def open_system(web: WebClient, s4: S4, **fields: Any) -> httpx.Response:
    s4.system(**fields)
    return web.get(PAGE)


def inbound_rows(response: httpx.Response) -> list[tuple[str, str]]:
    users = parse(response).xpath('//input[@name="inbound_row_user"]/@value')
    methods = parse(response).xpath('//input[@name="inbound_row_method"]/@value')
    return list(zip(users, methods, strict=True))


def test_new_system_lands_on_its_page(web: WebClient, s4: S4) -> None:
    response = web.submit("/communication-systems/new", data={"system_id": "btp_task_center", "system_name": "BTP"})
    assert response.url.path == "/ui" + PAGE
    assert "Communication system BTP_TASK_CENTER created" in response.text
    assert output(response, "system-id") == "BTP_TASK_CENTER"
    assert value(response, "system_name") == "BTP"
    assert s4.get("/api" + PAGE)["system_name"] == "BTP"


def test_new_system_errors_at_their_fields(web: WebClient, s4: S4) -> None:
    response = web.submit("/communication-systems/new", data={"system_id": "BTP TASK", "system_name": ""})
    assert response.status_code == 422
    assert "contains only letters" in field_error(response, "system_id")
    assert "is required" in field_error(response, "system_name")
    assert value(response, "system_id") == "BTP TASK"
    s4.system()
    taken = web.submit("/communication-systems/new", data={"system_id": "BTP_TASK_CENTER", "system_name": "Again"})
    assert taken.status_code == 409
    assert "already exists" in field_error(taken, "system_id")


def test_upload_previews_the_certificate_and_only_save_stores_it(web: WebClient, s4: S4, certs: Certificates) -> None:
    page = open_system(web, s4, host_name=HOST)
    uploaded = press(web, page, PAGE, "upload", {"oauth2_idp_enabled": "on"}, files=pem(certs.trust_pem))
    assert uploaded.status_code == 200
    assert output(uploaded, "cert-subject") == f"OU=CP Destination Configuration,O=SAP,CN={TRUST_CN}"
    assert output(uploaded, "cert-valid-to").startswith(certs.trust.not_valid_after_utc.strftime("%Y-%m-%d"))
    assert value(uploaded, "saml_issuer") == TRUST_CN  # prefilled with the CN (step 9)
    stored = s4.get("/api" + PAGE)
    assert stored["signing_certificate"] is None and stored["oauth2_idp_enabled"] is False
    assert stored["saml_issuer"] is None
    saved = press(web, uploaded, PAGE, "save", {"user_id_mapping_mode": "user_uuid"})
    assert saved.url.path == "/ui" + PAGE and "Communication system BTP_TASK_CENTER saved" in saved.text
    stored = s4.get("/api" + PAGE)
    assert stored["signing_certificate"]["subject_cn"] == TRUST_CN == stored["saml_issuer"]
    assert stored["oauth2_idp_enabled"] is True and stored["user_id_mapping_mode"] == "user_uuid"
    assert stored["warnings"] == []


def test_wrong_certificate_file_is_named_at_signing_certificate(web: WebClient, s4: S4, certs: Certificates) -> None:
    page = open_system(web, s4, host_name=HOST)
    response = press(web, page, PAGE, "upload", files=pem(certs.private_key_pem))
    assert response.status_code == 422
    assert "contains a private key" in field_error(response, "signing_certificate")
    assert output(response, "cert-subject") == ""
    nothing = press(web, page, PAGE, "upload")
    assert "Choose the certificate file" in field_error(nothing, "signing_certificate")
    assert s4.get("/api" + PAGE)["signing_certificate"] is None


def test_issuer_that_differs_from_the_cn_is_warned_about(web: WebClient, s4: S4, certs: Certificates) -> None:
    page = open_system(web, s4, host_name=HOST, oauth2_idp_enabled=True)
    response = press(web, page, PAGE, "upload", {"saml_issuer": OTHER_CN}, files=pem(certs.trust_pem))
    assert response.status_code == 200
    warnings = error_of(response, "system-warnings")
    assert f"differs from the certificate's CN '{TRUST_CN}'" in warnings
    assert value(response, "saml_issuer") == OTHER_CN


def test_save_with_one_bad_field_saves_nothing(web: WebClient, s4: S4, certs: Certificates) -> None:
    s4.user("TASKCENTERCOM")
    page = open_system(web, s4)
    draft = press(web, page, PAGE, "upload", {"system_name": "Renamed"}, files=pem(certs.trust_pem))
    draft = press(
        web, draft, PAGE, "add", {"inbound_user_name": "TASKCENTERCOM", "inbound_authentication_method": "oauth2"}
    )
    assert inbound_rows(draft) == [("TASKCENTERCOM", "oauth2")]
    response = press(web, draft, PAGE, "save", {"host_name": f"https://{HOST}", "oauth2_idp_enabled": "on"})
    assert response.status_code == 422
    assert "without https://" in field_error(response, "host_name")
    assert value(response, "system_name") == "Renamed" and inbound_rows(response) == [("TASKCENTERCOM", "oauth2")]
    stored = s4.get("/api" + PAGE)
    assert stored["system_name"] == "BTP Task Center" and stored["host_name"] is None
    assert stored["oauth2_idp_enabled"] is False and stored["signing_certificate"] is None
    assert stored["saml_issuer"] is None and stored["inbound_users"] == []


def test_plus_opens_the_panel_and_ok_adds_to_the_draft(web: WebClient, s4: S4) -> None:
    s4.user("TASKCENTERCOM")
    page = open_system(web, s4, host_name=HOST)
    assert "Add user for inbound communication" in buttons(page) and "OK" not in buttons(page)
    panel = press(web, page, PAGE, "open")
    assert "New Inbound Communication User" in panel.text and "OK" in buttons(panel)
    assert options(panel, "inbound_user_name") == ["", "TASKCENTERCOM"]
    assert value(panel, "inbound_authentication_method") == "oauth2"
    added = press(web, panel, PAGE, "add", {"inbound_user_name": "TASKCENTERCOM"})
    assert inbound_rows(added) == [("TASKCENTERCOM", "oauth2")] and "OK" not in buttons(added)
    assert s4.get("/api" + PAGE)["inbound_users"] == []
    press(web, added, PAGE, "save")
    assert s4.get("/api" + PAGE)["inbound_users"] == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]


def test_ok_refused_by_the_domain_keeps_the_panel_open_with_the_error(web: WebClient, s4: S4) -> None:
    s4.user("CERTONLY", password=None)
    page = press(web, open_system(web, s4), PAGE, "open")
    unchosen = press(web, page, PAGE, "add")
    assert unchosen.status_code == 422 and "Choose the communication user" in field_error(unchosen, "inbound_user_name")
    refused = press(web, page, PAGE, "add", {"inbound_user_name": "CERTONLY"})
    assert refused.status_code == 422
    assert "has no password" in field_error(refused, "inbound_user_name")
    assert inbound_rows(refused) == [] and value(refused, "inbound_user_name") == "CERTONLY"


def test_remove_applies_on_save_and_is_refused_while_an_arrangement_uses_the_user(
    web: WebClient, s4: S4, certs: Certificates
) -> None:
    s4.configured_system(certs)
    s4.user("SPARE")
    s4.inbound("BTP_TASK_CENTER", "SPARE", "basic")
    s4.arrangement("TASKCENTER", communication_system="BTP_TASK_CENTER")
    page = web.get(PAGE)
    assert inbound_rows(page) == [("TASKCENTERCOM", "oauth2"), ("SPARE", "basic")]
    refused = press(web, page, PAGE, "remove:0")
    assert refused.status_code == 409
    assert "Communication arrangement TASKCENTER uses TASKCENTERCOM" in error_of(refused, "inbound_users-error")
    assert inbound_rows(refused) == [("TASKCENTERCOM", "oauth2"), ("SPARE", "basic")]
    removed = press(web, page, PAGE, "remove:1")
    assert removed.status_code == 200 and inbound_rows(removed) == [("TASKCENTERCOM", "oauth2")]
    assert len(s4.get("/api" + PAGE)["inbound_users"]) == 2
    press(web, removed, PAGE, "save")
    assert s4.get("/api" + PAGE)["inbound_users"] == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]
