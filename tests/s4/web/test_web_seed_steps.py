"""Seed steps 2–19 (``shared/seed/s4_comm_system.md``) done only by clicking through the pages, ending with the
OAuth 2.0 Details the BTP destination needs — equal to what the admin API reports."""

from __future__ import annotations

from ...webclient import WebClient
from ..support import LOCAL_URL, S4, TRUST_CN, Certificates
from .html import buttons, links, output, press, value

SYSTEM = "/communication-systems/BTP_TASK_CENTER"
ARRANGEMENT = "/communication-arrangements/TASKCENTER_SAP_COM_0501"


def test_seed_steps_2_to_19_by_form_posts(web: WebClient, s4: S4, certs: Certificates) -> None:
    users = web.get(links(web.get("/"))["Maintain Communication Users"].removeprefix("/ui"))  # step 2
    new_user = web.get(links(users)["New"].removeprefix("/ui"))
    proposal = press(web, new_user, "/communication-users/new", "propose")  # step 3
    password = value(proposal, "password")
    assert password is not None
    press(
        web,
        proposal,
        "/communication-users/new",
        "create",
        {"user_name": "TASKCENTERCOM", "description": "Task Center Communication User"},
    )
    web.submit("/communication-systems/new", data={"system_id": "BTP_TASK_CENTER", "system_name": "BTP_TASK_CENTER"})
    page = web.get(SYSTEM)  # steps 4-5 done
    page = press(
        web,
        page,
        SYSTEM,
        "upload",  # steps 6-8
        {"host_name": "my300000.s4hana.ondemand.com", "oauth2_idp_enabled": "on"},
        files={"signing_certificate": ("trust.pem", certs.trust_pem, "application/x-pem-file")},
    )
    assert value(page, "saml_issuer") == TRUST_CN  # step 9: the CN
    page = press(web, page, SYSTEM, "open", {"user_id_mapping_mode": "user_uuid"})  # step 10
    page = press(web, page, SYSTEM, "add", {"inbound_user_name": "TASKCENTERCOM"})  # step 11
    saved = press(web, page, SYSTEM, "save")  # step 13
    assert "saved" in saved.text and "system-warnings" not in saved.text

    scenarios = web.get("/communication-arrangements/new/scenarios", params={"search": "SAP_COM_0501"})  # 14-16
    new = web.get(links(scenarios)["Workflow - Task Center Integration (SAP_COM_0501)"].removeprefix("/ui"))
    created = press(web, new, "/communication-arrangements/new", None, {"arrangement_name": "TASKCENTER_SAP_COM_0501"})
    assert created.url.path == "/ui" + ARRANGEMENT  # step 17
    applied = press(web, created, ARRANGEMENT, "apply", {"communication_system": "BTP_TASK_CENTER"})  # step 18
    assert value(applied, "inbound_user") == "TASKCENTERCOM" and value(applied, "authentication_method") == "oauth2"
    saved = press(web, applied, ARRANGEMENT, "save")
    details = web.get(links(saved)["OAuth 2.0 Details"].removeprefix("/ui"))  # step 19

    api = s4.get("/api/communication-arrangements/TASKCENTER_SAP_COM_0501/oauth2-details")
    assert output(details, "client-id") == api["client_id"] == "TASKCENTERCOM"
    assert output(details, "user-name") == "TASKCENTERCOM"
    assert output(details, "token-service-url") == api["token_service_url"]
    assert output(details, "token-service-url-local") == api["token_service_url_local"]
    assert api["token_service_url_local"].startswith(LOCAL_URL)
    assert output(details, "saml2-audience") == api["saml2_audience"]
    for label in ("Client ID", "User Name", "Token Service URL", "Token Service URL (this machine)", "SAML2 Audience"):
        assert f"Copy {label}" in buttons(details)
    for assignment in api["scope_assignments"]:
        assert assignment["scope"] in details.text
        assert ", ".join(assignment["business_catalogs"]) in details.text
    assert links(details)["Close"] == "/ui" + ARRANGEMENT
