"""Every page behind the sign-in; every form behind its CSRF token; unknown objects are 404 pages."""

from __future__ import annotations

import pytest

from ...webclient import WebClient
from ..support import PASSWORD, S4
from .html import alerts

PAGES = (
    "/communication-users",
    "/communication-users/new",
    "/communication-systems",
    "/communication-systems/BTP_TASK_CENTER",
    "/communication-arrangements",
    "/communication-arrangements/new/scenarios?search=0501",
    "/communication-arrangements/TASKCENTER/oauth2-details",
    "/business-users",
    "/business-roles/new",
)


def test_every_page_redirects_to_the_sign_in_page(anonymous: WebClient) -> None:
    for path in PAGES:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/ui/login?next=/ui/"), path


def test_post_without_session_creates_nothing(anonymous: WebClient, s4: S4) -> None:
    form = {"user_name": "TASKCENTERCOM", "description": "Task Center", "password": PASSWORD, "csrf_token": "x"}
    response = anonymous.http.post("/ui/communication-users/new", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")
    assert s4.get("/api/communication-users") == {"value": []}


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_post_without_the_pages_csrf_token_is_refused(web: WebClient, s4: S4, token: str | None) -> None:
    form = {"system_id": "BTP_TASK_CENTER", "system_name": "BTP Task Center"}
    if token is not None:
        form["csrf_token"] = token
    response = web.http.post("/ui/communication-systems/new", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "expired" in alerts(response)
    assert s4.get("/api/communication-systems") == {"value": []}


def test_unknown_objects_are_404_pages(web: WebClient, s4: S4) -> None:
    s4.arrangement("TASKCENTER")  # exists, but has no OAuth 2.0 inbound user yet
    for path in (
        "/communication-users/NOBODY",
        "/communication-systems/NOWHERE",
        "/communication-arrangements/NOTHING",
        "/communication-arrangements/TASKCENTER/oauth2-details",
        "/business-users/NOBODY",
        "/business-roles/NOROLE",
    ):
        response = web.get(path)
        assert response.status_code == 404, path
        assert "does not exist" in alerts(response) or "no OAuth 2.0" in alerts(response), path
    response = web.submit("/communication-users", "/communication-users/NOBODY/delete")
    assert response.status_code == 404
