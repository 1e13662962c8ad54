"""*Communication Arrangements* (seed steps 14–19): the scenario value help, New, *Apply*, *Save*, details."""

from __future__ import annotations

from ...webclient import WebClient
from ..support import LOCAL_URL, S4, Certificates
from .html import buttons, control, field_error, links, options, output, parse, press, value

PAGE = "/communication-arrangements/TASKCENTER"
TC_NAME = "Workflow - Task Center Integration (SAP_COM_0501)"


def test_scenario_value_help_searches_and_fills_the_new_form(web: WebClient) -> None:
    new = web.get("/communication-arrangements/new")
    assert links(new)["Select Communication Scenario"] == "/ui/communication-arrangements/new/scenarios"
    everything = web.get("/communication-arrangements/new/scenarios")
    assert TC_NAME in links(everything) and "SAP Cloud Identity Provisioning Integration (SAP_COM_0193)" in links(
        everything
    )
    found = web.get("/communication-arrangements/new/scenarios", params={"search": "task center"})
    assert "Search" in buttons(found) and value(found, "search") == "task center"
    assert [text for text in links(found) if "(SAP_COM_" in text] == [TC_NAME]
    picked = web.get(links(found)[TC_NAME].removeprefix("/ui"))
    assert value(picked, "scenario_id") == "SAP_COM_0501"
    assert value(picked, "arrangement_name") == "SAP_COM_0501"


def test_create_arrangement_and_its_errors(web: WebClient, s4: S4) -> None:
    unknown = web.submit(
        "/communication-arrangements/new", data={"scenario_id": "SAP_COM_0999", "arrangement_name": "X"}
    )
    assert unknown.status_code == 422 and "does not exist" in field_error(unknown, "scenario_id")
    bad = web.submit("/communication-arrangements/new", data={"scenario_id": "SAP_COM_0501", "arrangement_name": "A B"})
    assert bad.status_code == 422 and "only letters, digits" in field_error(bad, "arrangement_name")
    created = web.submit(
        "/communication-arrangements/new", data={"scenario_id": "SAP_COM_0501", "arrangement_name": "TASKCENTER"}
    )
    assert created.url.path == "/ui" + PAGE and "Communication arrangement TASKCENTER created" in created.text
    assert output(created, "scenario-id") == "SAP_COM_0501"
    assert output(created, "scenario-name") == "Workflow - Task Center Integration"
    assert "OAuth 2.0 Details" not in links(created)
    stored = s4.get("/api/communication-arrangements/TASKCENTER")
    assert output(created, "own-system") == stored["own_system"] == s4.get("/api/tenant")["own_system_id"]
    assert output(created, "api-url") == stored["api_url"] and output(created, "api-url-local") == LOCAL_URL
    for service in stored["inbound_services"]:
        assert service["name"] in created.text and service["url"] in created.text
        assert service["local_url"] in created.text
    taken = web.submit(
        "/communication-arrangements/new", data={"scenario_id": "SAP_COM_0501", "arrangement_name": "TASKCENTER"}
    )
    assert taken.status_code == 409 and "already exists" in field_error(taken, "arrangement_name")
    assert [a["arrangement_name"] for a in s4.get("/api/communication-arrangements")["value"]] == ["TASKCENTER"]


def test_apply_fills_the_inbound_user_without_saving(web: WebClient, s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement("TASKCENTER")
    page = web.get(PAGE)
    assert options(page, "communication_system") == ["", "BTP_TASK_CENTER"]
    refresh = control(parse(page), "communication_system").get("data-refresh")  # the script presses Apply
    assert parse(page).xpath(f'//button[@id="{refresh}"]/@value') == ["apply"]
    applied = press(web, page, PAGE, "apply", {"communication_system": "BTP_TASK_CENTER"})
    assert applied.status_code == 200
    assert value(applied, "inbound_user") == "TASKCENTERCOM"
    assert value(applied, "authentication_method") == "oauth2"
    assert s4.get("/api/communication-arrangements/TASKCENTER")["communication_system"] is None
    saved = press(web, applied, PAGE, "save")
    assert "Communication arrangement TASKCENTER saved" in saved.text
    stored = s4.get("/api/communication-arrangements/TASKCENTER")
    assert (stored["communication_system"], stored["inbound_user"], stored["authentication_method"]) == (
        "BTP_TASK_CENTER",
        "TASKCENTERCOM",
        "oauth2",
    )
    assert links(saved)["OAuth 2.0 Details"] == "/ui/communication-arrangements/TASKCENTER/oauth2-details"


def test_refused_save_shows_the_error_and_keeps_the_arrangement(web: WebClient, s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.system("EMPTY_SYSTEM")
    s4.arrangement("TASKCENTER", communication_system="BTP_TASK_CENTER")
    page = web.get(PAGE)
    refused = press(web, page, PAGE, "save", {"communication_system": "EMPTY_SYSTEM", "inbound_user": ""})
    assert refused.status_code == 422
    assert "has no users for inbound communication" in field_error(refused, "communication_system")
    assert value(refused, "communication_system") == "EMPTY_SYSTEM"
    wrong_method = press(web, page, PAGE, "save", {"authentication_method": "basic"})
    assert wrong_method.status_code == 422
    assert "with oauth2 only, not basic" in field_error(wrong_method, "authentication_method")
    stored = s4.get("/api/communication-arrangements/TASKCENTER")
    assert (stored["communication_system"], stored["authentication_method"]) == ("BTP_TASK_CENTER", "oauth2")
