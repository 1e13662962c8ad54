"""Issue D's main test: the seed's 19 steps and the BTP destination, clicked in a real browser, in the seed's
order, on a landscape where nothing was applied — then ``trustbridge doctor`` passes for the user.

Each step leaves a screenshot (``Screenshots``) that docs/walkthrough.md shows next to the seed's numbers.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.x509.oid import NameOID
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Running, _cli

from .conftest import ADMIN_PASSWORD, Screenshots, allow_clipboard, field, sign_in

COMM_USER = "TASKCENTERCOM"
SYSTEM_ID = "BTP_TASK_CENTER"
ARRANGEMENT = "SAP_COM_0501_Task_Center"
DESTINATION = "S4HANACloud"
TENANT_HOST = "my300000.s4hana.ondemand.com"
ROLE_ID = "ZTASK_APPROVER"
TASK_CENTER_CATALOG = "SAP_CORE_BC_BPM_OINB"


def _cn_of(pem_path: Path) -> str:
    certificate = x509.load_pem_x509_certificate(pem_path.read_bytes())
    return str(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def _copy_values(page: Page) -> dict[str, str]:
    """Client ID, token URL (this machine) and SAML2 audience, read through their Copy buttons."""
    values: dict[str, str] = {}
    for label in ("Client ID", "Token Service URL (this machine)", "SAML2 Audience"):
        page.get_by_role("button", name=f"Copy {label}", exact=True).click()
        values[label] = str(page.evaluate("navigator.clipboard.readText()"))
    return values


def test_the_seed_by_clicking_ends_with_a_passing_doctor(
    empty_landscape: Running, browser: BrowserContext, page: Page, screenshots: Screenshots, tmp_path: Path
) -> None:
    cockpit, s4 = empty_landscape.subaccount + "/cockpit", empty_landscape.s4 + "/ui"
    allow_clipboard(browser, empty_landscape.s4)

    # --- step 1: BTP cockpit › Destinations › Download Trust ----------------------------------------------
    sign_in(page, cockpit + "/")
    expect(page.get_by_role("heading", name="Destinations")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Trust").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pem")
    trust_file = tmp_path / download.suggested_filename
    download.save_as(trust_file)
    cn = _cn_of(trust_file)
    screenshots.take(page, "01-download-trust")

    # --- steps 2–3: Maintain Communication Users › New --------------------------------------------------
    sign_in(page, s4 + "/")
    page.get_by_role("link", name="Maintain Communication Users").first.click()
    screenshots.take(page, "02-communication-users")
    page.get_by_role("link", name="New", exact=True).click()
    field(page, "User Name").fill(COMM_USER)
    field(page, "Description").fill("Task Center Communication User")
    page.get_by_role("button", name="Propose Password").click()
    comm_password = field(page, "Password").input_value()
    assert len(comm_password) >= 20
    screenshots.take(page, "03-create-communication-user")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text(COMM_USER).first).to_be_visible()

    # --- steps 4–5: Communication Systems › New ----------------------------------------------------------
    page.get_by_role("link", name="Communication Systems").first.click()
    page.get_by_role("link", name="New", exact=True).click()
    field(page, "System ID").fill(SYSTEM_ID)
    field(page, "System Name").fill(SYSTEM_ID)
    screenshots.take(page, "05-new-communication-system")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(rf"/communication-systems/{SYSTEM_ID}$"))

    # --- steps 6–9: host name, IdP switch, signing certificate, issuer and mapping mode ---------------------
    field(page, "Host Name").fill(TENANT_HOST)
    page.get_by_role("switch", name=re.compile("OAuth 2.0 Identity Provider")).check()
    field(page, "Signing Certificate").set_input_files(str(trust_file))
    page.get_by_role("button", name="Upload Signing Certificate").click()
    expect(page.get_by_text(cn).first).to_be_visible()
    # the seed says: paste the value after CN= — the page has already put it there
    expect(field(page, "OAuth 2.0 SAML Issuer")).to_have_value(cn)
    field(page, "User ID Mapping Mode").select_option(label="User UUID")
    screenshots.take(page, "08-09-oauth2-identity-provider", field(page, "OAuth 2.0 SAML Issuer"))

    # --- steps 10–11: Users for Inbound Communication › + › the communication user › OK ------------------
    page.get_by_role("button", name="Add user for inbound communication").click()
    field(page, "User Name").last.select_option(COMM_USER)
    field(page, "Authentication Method").last.select_option(label="OAuth 2.0")
    screenshots.take(page, "10-11-inbound-user", page.get_by_role("button", name="OK", exact=True))
    page.get_by_role("button", name="OK", exact=True).click()
    expect(page.get_by_role("cell", name=COMM_USER)).to_be_visible()

    # --- step 13: Save ---------------------------------------------------------------------------------
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()
    screenshots.take(page, "13-saved-communication-system")

    # --- steps 14–17: Communication Arrangements › New › scenario value help › name › Create -------------
    page.get_by_role("link", name="Communication Arrangements").first.click()
    page.get_by_role("link", name="New", exact=True).click()
    page.get_by_role("link", name="Select Communication Scenario").click()
    field(page, "Search").fill("0501")
    page.get_by_role("button", name="Search", exact=True).click()
    screenshots.take(page, "15-16-scenario-value-help")
    page.get_by_role("link", name=re.compile(r"SAP_COM_0501")).click()
    expect(field(page, "Scenario")).to_have_value("SAP_COM_0501")
    field(page, "Arrangement Name").fill(ARRANGEMENT)
    screenshots.take(page, "17-new-arrangement")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(rf"/communication-arrangements/{ARRANGEMENT}$"))

    # --- step 18: Communication System value help; the inbound user fills in; OAuth 2.0; Save ---------------
    field(page, "Communication System").select_option(SYSTEM_ID)
    expect(field(page, "User Name")).to_have_value(COMM_USER)
    expect(field(page, "Authentication Method")).to_have_value("oauth2")
    screenshots.take(page, "18-arrangement")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()

    # --- step 19: OAuth 2.0 Details ---------------------------------------------------------------------
    api_url_local = empty_landscape.s4 + "/"  # the arrangement's API-URL on this machine
    expect(page.get_by_text(empty_landscape.s4).first).to_be_visible()
    page.get_by_role("link", name="OAuth 2.0 Details").click()
    screenshots.take(page, "19-oauth2-details")
    details = _copy_values(page)
    assert details["Client ID"] == COMM_USER

    # --- the user, in both systems: a business role with the Task Center catalog, the subaccount user, the
    # --- business user whose Global User ID is the subaccount user's UUID (User ID Mapping Mode = User UUID)
    page.goto(s4 + "/business-roles/new")
    field(page, "Role ID").fill(ROLE_ID)
    field(page, "Role Name").fill("Task Center approver")
    page.get_by_role("checkbox", name=re.compile(TASK_CENTER_CATALOG)).check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text(ROLE_ID).first).to_be_visible()

    user_uuid = str(uuid.uuid4())
    user_password = "Approver-Passw0rd!"
    sign_in(page, cockpit + "/users/new")
    field(page, "Login Name").fill("approver")
    field(page, "E-Mail").fill("approver@example.com")
    field(page, "User UUID").fill(user_uuid)
    field(page, "Password").fill(user_password)
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("approver").first).to_be_visible()

    page.goto(s4 + "/business-users/new")
    field(page, "User Name").fill("APPROVER")
    field(page, "E-Mail").fill("approver@example.com")
    field(page, "Global User ID").fill(user_uuid)
    page.get_by_role("checkbox", name=re.compile(ROLE_ID)).check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text(user_uuid).first).to_be_visible()

    # --- the destination (the card's images 31–32) ---------------------------------------------------------
    page.goto(cockpit + "/destinations")
    page.get_by_role("link", name="New Destination").click()
    field(page, "Name").fill(DESTINATION)
    field(page, "URL").fill(api_url_local)
    field(page, "Authentication").select_option("OAuth2SAMLBearerAssertion")
    expect(field(page, "Audience")).to_be_visible()
    field(page, "Audience").fill(details["SAML2 Audience"])
    field(page, "Client Key").fill(details["Client ID"])
    field(page, "Token Service URL").fill(details["Token Service URL (this machine)"])
    field(page, "Token Service User").fill(details["Client ID"])
    field(page, "Token Service Password").fill(comm_password)
    for name, value in (("tc.enabled", "true"), ("URL.queries.sap-client", "100"), ("userIdSource", "user_uuid")):
        page.get_by_role("button", name="New Property").click()
        field(page, "Property name").last.fill(name)
        field(page, "Value").last.fill(value)
    screenshots.take(page, "20-destination")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(DESTINATION)
    page.get_by_role("navigation").get_by_role("link", name="Destinations").click()
    expect(page.get_by_role("link", name=DESTINATION, exact=True)).to_be_visible()

    # --- Check Connection for the user -----------------------------------------------------------------
    page.get_by_role("row", name=re.compile(DESTINATION)).get_by_role("link", name="Check Connection").click()
    field(page, "User").select_option("approver")
    page.get_by_role("button", name="Check Connection").click()
    checks = page.locator("ul.checks > li")
    expect(checks.first).to_be_visible()
    assert page.locator("ul.checks > li.fail").count() == 0, page.locator("ul.checks").inner_text()
    expect(page.get_by_text(f"Connection to {DESTINATION} established")).to_be_visible()
    screenshots.take(page, "21-check-connection")

    # --- and the CLI doctor agrees ---------------------------------------------------------------------
    result = _cli(
        "doctor",
        DESTINATION,
        "--user",
        "approver",
        "--data-dir",
        str(empty_landscape.data_dir),
        env=empty_landscape.env,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # what was clicked is what the APIs now hold
    auth = ("admin", ADMIN_PASSWORD)
    system = httpx.get(f"{empty_landscape.s4}/api/communication-systems/{SYSTEM_ID}", auth=auth).json()
    assert system["saml_issuer"] == cn and system["user_id_mapping_mode"] == "user_uuid"
    assert system["oauth2_idp_enabled"] is True and system["host_name"] == TENANT_HOST
