"""*Trust Certificates*: the facts of both key pairs and the buttons over the trust store's functions."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.webclient import WebClient
from trustbridge.storage import Database
from trustbridge.subaccount import trust
from trustbridge.subaccount.setup import SubaccountBootstrap

from ..conftest import SAML2
from .conftest import flashes, top_errors


def fingerprints(database: Database) -> dict[str, str | None]:
    with database.read() as session:
        found = {role: trust.find_certificate(session, role) for role in trust.ROLES}
    return {role: cert.fingerprint if cert is not None else None for role, cert in found.items()}


def section(page: str, role: str) -> str:
    match = re.search(
        rf'<section class="card" aria-labelledby="{role}-heading" id="{role}-certificate">(.*?)</section>',
        page,
        re.DOTALL,
    )
    assert match is not None
    return match.group(1)


def test_the_page_shows_the_active_certificates_facts_and_no_passive_one(
    web: WebClient, database: Database, boot: SubaccountBootstrap
) -> None:
    page = web.get("/trust").text

    active = section(page, "active")
    assert f"CN=cfapps.eu10.hana.ondemand.com/{boot.subaccount_id}" in active
    for label in ("Subject", "Issuer", "Valid From", "Valid To", "SHA-256 Fingerprint"):
        assert f"<dt>{label}</dt>" in active
    assert f"<dd>{fingerprints(database)['active']}</dd>" in active
    assert 'href="/cockpit/trust/active/download"' in active
    assert "<p>none</p>" in section(page, "passive")
    for button in ("Generate Passive", "Rotate", "Delete Passive", "Renew Trust"):
        assert f">{button}</button>" in page


def test_generate_passive_rotate_and_delete_passive(web: WebClient, database: Database, client: TestClient) -> None:
    first = fingerprints(database)["active"]

    generated = web.submit("/trust", "/trust/generate-passive")
    passive = fingerprints(database)["passive"]
    download = web.get("/trust/passive/download")
    passive_pem = client.get(f"{SAML2}/certificate/passive").json()["certificate"]
    rotated = web.submit("/trust", "/trust/rotate")
    after_rotation = fingerprints(database)
    deleted = web.submit("/trust", "/trust/delete-passive")

    assert flashes(generated.text)[0].startswith("Passive certificate generated")
    assert passive is not None and passive != first
    assert f"<dd>{passive}</dd>" in section(generated.text, "passive")
    assert download.status_code == 200
    assert download.headers["content-disposition"].endswith('-destination-trust-passive.pem"')
    assert download.text == passive_pem
    assert flashes(rotated.text)[0].startswith("Certificates rotated")
    assert after_rotation == {"active": passive, "passive": first}
    assert flashes(deleted.text) == ["Passive certificate deleted"]
    assert fingerprints(database) == {"active": passive, "passive": None}
    assert "<p>none</p>" in section(deleted.text, "passive")


def test_rotate_or_delete_without_a_passive_pair_shows_the_services_message(
    web: WebClient, database: Database, boot: SubaccountBootstrap
) -> None:
    before = fingerprints(database)

    rotated = web.submit("/trust", "/trust/rotate")
    deleted = web.submit("/trust", "/trust/delete-passive")

    expected = f"Passive Keypair for subaccount - {boot.subaccount_id} does not exist"
    for response in (rotated, deleted):
        assert response.status_code == 404
        assert top_errors(response.text) == expected
    assert fingerprints(database) == before
    assert web.get("/trust/passive/download").status_code == 404


def test_renew_trust_replaces_the_active_pair_and_download_trust_follows(web: WebClient, database: Database) -> None:
    before = fingerprints(database)["active"]

    renewed = web.submit("/trust", "/trust/renew")

    after = fingerprints(database)["active"]
    assert after is not None and after != before
    assert flashes(renewed.text)[0].startswith("Trust renewed")
    with database.read() as session:
        pem = trust.get_certificate(session, trust.ACTIVE).pem
    assert web.get("/destinations/download-trust").text == pem == web.get("/trust/active/download").text
