"""The pages in a real browser: each documented error shows its message at the right field and changes nothing,
the copy buttons copy exactly the values the API reports, and the pages need a sign-in."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page, expect

from tests.e2e.conftest import Running

from .conftest import ADMIN_PASSWORD, allow_clipboard, error_at, field, sign_in

AUTH = ("admin", ADMIN_PASSWORD)


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def _api(landscape: Running, path: str) -> httpx.Response:
    return httpx.get(landscape.s4 + path, auth=AUTH, timeout=10)


def test_pages_need_a_sign_in_and_a_wrong_password_is_named_at_the_password(
    shared_landscape: Running, page: Page
) -> None:
    page.goto(shared_landscape.s4 + "/ui/communication-users")
    assert "/ui/login" in page.url
    field(page, "User").fill("admin")
    field(page, "Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    assert "wrong" in error_at(page, "Password")
    field(page, "Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Maintain Communication Users")).to_be_visible()


def test_communication_user_errors_sit_at_their_fields_and_create_nothing(
    shared_landscape: Running, page: Page
) -> None:
    sign_in(page, shared_landscape.s4 + "/ui/communication-users/new")
    user = _name("WEAK")
    field(page, "User Name").fill(user)
    field(page, "Description").fill("too weak a password")
    field(page, "Password").fill("short")
    page.get_by_role("button", name="Create", exact=True).click()
    assert error_at(page, "Password")
    assert field(page, "Password").input_value() == ""  # never echoed back
    assert field(page, "User Name").input_value() == user  # the rest is kept for the next try
    assert _api(shared_landscape, f"/api/communication-users/{user}").status_code == 404

    taken = _name("TAKEN")
    for _ in range(2):
        page.goto(shared_landscape.s4 + "/ui/communication-users/new")
        field(page, "User Name").fill(taken)
        field(page, "Description").fill("twice")
        page.get_by_role("button", name="Propose Password").click()
        page.get_by_role("button", name="Create", exact=True).click()
    assert taken in error_at(page, "User Name")


def test_communication_system_errors_sit_at_their_fields_and_nothing_is_half_saved(
    shared_landscape: Running, page: Page, tmp_path: Path
) -> None:
    sign_in(page, shared_landscape.s4 + "/ui/communication-systems/new")
    system = _name("SYS")
    field(page, "System ID").fill(system)
    field(page, "System Name").fill(system)
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(rf"/communication-systems/{system}$"))

    not_a_certificate = tmp_path / "metadata.xml"
    not_a_certificate.write_text('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>')
    field(page, "Signing Certificate").set_input_files(str(not_a_certificate))
    page.get_by_role("button", name="Upload Signing Certificate").click()
    assert error_at(page, "Signing Certificate")

    field(page, "System Name").fill("Renamed")
    field(page, "Host Name").fill("https://my300000.s4hana.ondemand.com")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "without https://" in error_at(page, "Host Name")
    stored = _api(shared_landscape, f"/api/communication-systems/{system}").json()
    assert stored["system_name"] == system and stored["host_name"] in (None, "")  # the rename was not saved


def test_a_destination_without_its_required_properties_is_refused_at_the_fields(
    shared_landscape: Running, page: Page
) -> None:
    sign_in(page, shared_landscape.subaccount + "/cockpit/destinations/new")
    name = _name("Dest")
    field(page, "Name").fill(name)
    field(page, "URL").fill("not a url")
    field(page, "Authentication").select_option("OAuth2SAMLBearerAssertion")
    expect(field(page, "Audience")).to_be_visible()
    field(page, "Token Service Password").fill("a-secret-value")
    page.get_by_role("button", name="Save", exact=True).click()
    assert error_at(page, "URL")
    assert error_at(page, "Audience")
    assert field(page, "Token Service Password").input_value() == ""
    assert "a-secret-value" not in page.content()
    listed = httpx.get(
        shared_landscape.subaccount + f"/destination-configuration/v1/subaccountDestinations/{name}", auth=AUTH
    )
    assert listed.status_code == 404


def test_copy_buttons_copy_exactly_the_oauth2_details(
    shared_landscape: Running, browser: BrowserContext, page: Page
) -> None:
    """Arrangement set up through the API (the seed test clicks it); the details page's buttons are checked."""
    allow_clipboard(browser, shared_landscape.s4)
    user, system, arrangement = _name("COPY"), _name("COPYSYS"), _name("COPY_ARR")
    with httpx.Client(base_url=shared_landscape.s4, auth=AUTH, timeout=10) as api:
        assert (
            api.post(
                "/api/communication-users",
                json={"user_name": user, "description": "copy", "password": "Copy-Button-Passw0rd-2026!"},
            )
        ).status_code == 201
        assert (
            api.post("/api/communication-systems", json={"system_id": system, "system_name": system}).status_code == 201
        )
        assert (
            api.post(
                f"/api/communication-systems/{system}/inbound-users",
                json={"user_name": user, "authentication_method": "oauth2"},
            ).status_code
            == 201
        )
        assert (
            api.post(
                "/api/communication-arrangements", json={"scenario_id": "SAP_COM_0501", "arrangement_name": arrangement}
            ).status_code
            == 201
        )
        assert (
            api.patch(
                f"/api/communication-arrangements/{arrangement}", json={"communication_system": system}
            ).status_code
            == 200
        )
        details = api.get(f"/api/communication-arrangements/{arrangement}/oauth2-details").json()

    sign_in(page, shared_landscape.s4 + f"/ui/communication-arrangements/{arrangement}/oauth2-details")
    expected = {
        "Client ID": details["client_id"],
        "Token Service URL": details["token_service_url"],
        "Token Service URL (this machine)": details["token_service_url_local"],
        "SAML2 Audience": details["saml2_audience"],
    }
    for label, value in expected.items():
        page.get_by_role("button", name=f"Copy {label}", exact=True).click()
        assert page.evaluate("navigator.clipboard.readText()") == value, label


def test_an_issuer_that_differs_from_the_certificate_cn_is_warned_about_at_the_issuer(
    shared_landscape: Running, page: Page, tmp_path: Path
) -> None:
    trust = httpx.get(shared_landscape.subaccount + "/cockpit/destinations/download-trust", auth=AUTH, timeout=10)
    certificate = tmp_path / "trust.pem"
    certificate.write_bytes(trust.content)
    sign_in(page, shared_landscape.s4 + "/ui/communication-systems/new")
    system = _name("WARN")
    field(page, "System ID").fill(system)
    field(page, "System Name").fill(system)
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(rf"/communication-systems/{system}$"))

    field(page, "Signing Certificate").set_input_files(str(certificate))
    page.get_by_role("button", name="Upload Signing Certificate").click()
    cn = field(page, "OAuth 2.0 SAML Issuer").input_value()
    assert cn.startswith("cfapps.")  # prefilled from the certificate
    field(page, "OAuth 2.0 SAML Issuer").fill("someone-else")
    field(page, "Host Name").fill("my300000.s4hana.ondemand.com")
    page.get_by_role("button", name="Save", exact=True).click()
    warning = page.locator(".field-warning")
    expect(warning).to_contain_text(cn)
    issuer_field = page.locator(".field", has=field(page, "OAuth 2.0 SAML Issuer"))
    expect(issuer_field.locator(".field-warning")).to_be_visible()  # next to the issuer, not somewhere else


def test_a_taken_arrangement_name_is_named_at_the_arrangement_name(shared_landscape: Running, page: Page) -> None:
    arrangement = _name("TAKEN_ARR")
    sign_in(page, shared_landscape.s4 + "/ui/communication-arrangements/new")
    for _ in range(2):
        page.goto(shared_landscape.s4 + "/ui/communication-arrangements/new")
        field(page, "Scenario").fill("SAP_COM_0501")
        field(page, "Arrangement Name").fill(arrangement)
        page.get_by_role("button", name="Create", exact=True).click()
    assert arrangement in error_at(page, "Arrangement Name")


_UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter((el) => !el.closest('template') && !el.closest('[hidden]') && el.getAttribute('aria-hidden') !== 'true')
    .filter((el) => {
        const labelled = (el.labels && [...el.labels].some((l) => l.textContent.trim()))
            || (el.getAttribute('aria-label') || '').trim()
            || (el.getAttribute('aria-labelledby') || '').trim();
        const text = el.tagName === 'BUTTON' && el.textContent.trim();
        return !labelled && !text;
    })
    .map((el) => el.outerHTML.slice(0, 120))"""


def test_every_control_on_every_page_has_an_accessible_name_and_no_page_breaks_its_policy(
    shared_landscape: Running, browser: BrowserContext, page: Page
) -> None:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    pages = {
        shared_landscape.s4 + "/ui": [
            "/",
            "/communication-users",
            "/communication-users/new",
            "/communication-systems",
            "/communication-systems/new",
            "/communication-arrangements",
            "/communication-arrangements/new",
            "/communication-arrangements/new/scenarios?search=0501",
            "/business-users",
            "/business-users/new",
            "/business-roles",
            "/business-roles/new",
        ],
        shared_landscape.subaccount + "/cockpit": [
            "/destinations",
            "/destinations/new",
            "/trust",
            "/users",
            "/users/new",
        ],
    }
    for base, paths in pages.items():
        sign_in(page, base + "/")
        for path in paths:
            page.goto(base + path)
            assert page.evaluate(_UNNAMED_CONTROLS) == [], base + path
    page.goto(shared_landscape.s4 + "/ui/login")
    assert violations == []


def test_delete_asks_first_and_a_no_changes_nothing(shared_landscape: Running, page: Page) -> None:
    name = _name("Gone")
    created = httpx.post(
        shared_landscape.subaccount + "/destination-configuration/v1/subaccountDestinations",
        json={"Name": name, "Type": "HTTP", "URL": "https://example.com", "Authentication": "NoAuthentication"},
        auth=AUTH,
        timeout=10,
    )
    assert created.status_code == 201
    sign_in(page, shared_landscape.subaccount + "/cockpit/destinations")
    questions: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Dialog) -> None:
        questions.append(dialog.message)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    row = page.get_by_role("row", name=re.compile(name))
    row.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert questions == [f"Delete destination {name}?"]
    answer["accept"] = True
    row.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    gone = httpx.get(
        shared_landscape.subaccount + f"/destination-configuration/v1/subaccountDestinations/{name}", auth=AUTH
    )
    assert gone.status_code == 404
