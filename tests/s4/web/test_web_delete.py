"""Delete on the system and arrangement pages: the domain's rule (a system in use stays) shows on the page."""

from __future__ import annotations

from ...webclient import WebClient
from ..support import S4, Certificates


def test_a_system_in_use_is_not_deleted_and_says_why_then_goes_with_its_arrangement(
    web: WebClient, s4: S4, certs: Certificates
) -> None:
    s4.configured_system(certs)
    s4.arrangement("TASKCENTER", communication_system="BTP_TASK_CENTER")
    refused = web.submit("/communication-systems/BTP_TASK_CENTER", "/communication-systems/BTP_TASK_CENTER/delete")
    assert refused.url.path == "/ui/communication-systems/BTP_TASK_CENTER"
    assert "TASKCENTER" in refused.text and 'class="message message-error"' in refused.text
    assert s4.client.get("/api/communication-systems/BTP_TASK_CENTER").status_code == 200

    gone = web.submit("/communication-arrangements/TASKCENTER", "/communication-arrangements/TASKCENTER/delete")
    assert gone.url.path == "/ui/communication-arrangements" and "TASKCENTER deleted" in gone.text
    assert s4.client.get("/api/communication-arrangements/TASKCENTER").status_code == 404
    deleted = web.submit("/communication-systems/BTP_TASK_CENTER", "/communication-systems/BTP_TASK_CENTER/delete")
    assert deleted.url.path == "/ui/communication-systems" and "BTP_TASK_CENTER deleted" in deleted.text
    assert s4.client.get("/api/communication-systems/BTP_TASK_CENTER").status_code == 404


def test_delete_needs_the_forms_token_and_an_unknown_object_is_a_404_page(web: WebClient, s4: S4) -> None:
    s4.system("KEEP")
    forged = web.http.post("/ui/communication-systems/KEEP/delete", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert s4.client.get("/api/communication-systems/KEEP").status_code == 200
    missing = web.submit("/communication-systems", "/communication-systems/NOPE/delete", follow_redirects=False)
    assert missing.status_code == 404
