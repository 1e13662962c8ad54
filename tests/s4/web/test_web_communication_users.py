"""*Maintain Communication Users* (seed steps 2–3) through the pages."""

from __future__ import annotations

from trustbridge.s4.communication_users import authenticate
from trustbridge.storage import Database

from ...webclient import WebClient
from ..support import PASSWORD, S4
from .html import alerts, field_error, links, parse, value


def test_create_user_lands_on_its_page_with_a_message(web: WebClient, s4: S4) -> None:
    assert "New" in links(web.get("/communication-users"))
    response = web.submit(
        "/communication-users/new",
        data={"user_name": "taskcentercom", "description": "Task Center inbound", "password": PASSWORD},
    )
    assert response.status_code == 200
    assert response.url.path == "/ui/communication-users/TASKCENTERCOM"
    assert "Communication user TASKCENTERCOM created" in response.text
    assert "Task Center inbound" in response.text
    assert s4.get("/api/communication-users/TASKCENTERCOM")["has_password"] is True
    assert links(web.get("/communication-users"))["TASKCENTERCOM"] == "/ui/communication-users/TASKCENTERCOM"


def test_propose_password_shows_a_password_that_then_works(web: WebClient, database: Database) -> None:
    proposal = web.submit(
        "/communication-users/new",
        data={"user_name": "TASKCENTERCOM", "description": "Task Center", "action": "propose"},
    )
    assert proposal.status_code == 200
    password = value(proposal, "password")
    assert password and len(password) >= 20
    assert value(proposal, "user_name") == "TASKCENTERCOM" and value(proposal, "description") == "Task Center"
    assert "shown only this once" in proposal.text
    with database.read() as session:  # proposing stores nothing
        assert authenticate(session, "TASKCENTERCOM", password) is None
    created = web.submit(
        "/communication-users/new",
        data={"user_name": "TASKCENTERCOM", "description": "Task Center", "password": password, "action": "create"},
    )
    assert created.url.path == "/ui/communication-users/TASKCENTERCOM"
    assert password not in created.text
    with database.transaction() as session:
        assert authenticate(session, "TASKCENTERCOM", password) is not None


def test_weak_password_is_shown_at_password_and_never_echoed(web: WebClient, s4: S4) -> None:
    weak = "Sh0rt!pass"
    response = web.submit(
        "/communication-users/new", data={"user_name": "TASKCENTERCOM", "description": "Task Center", "password": weak}
    )
    assert response.status_code == 422
    assert "at least 20 characters" in field_error(response, "password")
    assert field_error(response, "user_name") == ""
    assert weak not in response.text
    assert parse(response).xpath('//input[@name="password"]')[0].get("value") is None
    assert value(response, "user_name") == "TASKCENTERCOM"
    assert s4.get("/api/communication-users") == {"value": []}


def test_taken_user_name_is_shown_at_user_name(web: WebClient, s4: S4) -> None:
    s4.user("TASKCENTERCOM")
    response = web.submit(
        "/communication-users/new", data={"user_name": "TASKCENTERCOM", "description": "Again", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert "already exists" in field_error(response, "user_name")
    assert PASSWORD not in response.text
    assert s4.get("/api/communication-users/TASKCENTERCOM")["description"] == "TASKCENTERCOM inbound"


def test_delete_user_and_refusal_while_in_use(web: WebClient, s4: S4) -> None:
    s4.user("SPARE")
    s4.user("TASKCENTERCOM")
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM")
    refused = web.submit("/communication-users/TASKCENTERCOM", "/communication-users/TASKCENTERCOM/delete")
    assert refused.status_code == 409
    assert "inbound user of system(s) BTP_TASK_CENTER" in alerts(refused)
    deleted = web.submit("/communication-users/SPARE", "/communication-users/SPARE/delete")
    assert deleted.url.path == "/ui/communication-users"
    assert "Communication user SPARE deleted" in deleted.text
    assert [u["user_name"] for u in s4.get("/api/communication-users")["value"]] == ["TASKCENTERCOM"]


def test_edit_changes_description_password_and_lock_in_one_save(web: WebClient, s4: S4, database: Database) -> None:
    s4.user("TASKCENTERCOM")
    page = "/communication-users/TASKCENTERCOM"
    assert value(web.get(page), "description")
    new_password = "Changed-Passw0rd-For-Task-Center!"
    form = [("description", "Renamed"), ("password", new_password), ("locked", "off"), ("locked", "on")]
    saved = web.submit(page, data=form)  # the switch sends its hidden "off" and, when on, "on"
    assert saved.url.path == "/ui" + page and "Communication user TASKCENTERCOM saved" in saved.text
    stored = s4.get("/api/communication-users/TASKCENTERCOM")
    assert stored["description"] == "Renamed" and stored["locked"] is True
    assert new_password not in saved.text

    kept = web.submit(page, data={"description": "Again", "password": "", "locked": "off"})
    assert kept.status_code == 200 and s4.get("/api/communication-users/TASKCENTERCOM")["locked"] is False
    with database.read() as session:
        assert authenticate(session, "TASKCENTERCOM", new_password) is not None  # empty kept the password


def test_edit_with_a_weak_password_changes_nothing_and_names_the_password(web: WebClient, s4: S4) -> None:
    s4.user("TASKCENTERCOM")
    before = s4.get("/api/communication-users/TASKCENTERCOM")
    refused = web.submit(
        "/communication-users/TASKCENTERCOM",
        data={"description": "Should not stay", "password": "weak", "locked": "on"},
    )
    assert refused.status_code == 422 and field_error(refused, "password")
    assert value(refused, "password") in (None, "") and 'value="weak"' not in refused.text
    assert s4.get("/api/communication-users/TASKCENTERCOM") == before
