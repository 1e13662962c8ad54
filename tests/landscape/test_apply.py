"""``apply``: every seed step from an empty data dir, idempotence, and crash safety."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from trustbridge.landscape import demo
from trustbridge.landscape.apply import UNCHANGED, Applier, ApplyError, StepReport, apply_landscape
from trustbridge.landscape.clients import S4Client
from trustbridge.landscape.local import LocalLandscape, local_clients
from trustbridge.landscape.spec import LandscapeSpec, SubaccountUserSpec
from trustbridge.landscape.status import collect_status
from trustbridge.subaccount import users


def _apply(landscape: LocalLandscape, spec: LandscapeSpec, s4_wrapper: Any = None) -> Applier:
    async def run() -> Applier:
        async with local_clients(landscape) as (subaccount, s4):
            return await apply_landscape(spec, subaccount, s4_wrapper(s4) if s4_wrapper else s4)

    return asyncio.run(run())


def _status(landscape: LocalLandscape) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with local_clients(landscape) as (subaccount, s4):
            return await collect_status(subaccount, s4)

    return asyncio.run(run())


def test_apply_from_an_empty_data_dir_performs_every_seed_step(
    landscape: LocalLandscape, demo_spec: LandscapeSpec, demo_secrets: demo.DemoSecrets
) -> None:
    applier = _apply(landscape, demo_spec)
    steps = {r.step for r in applier.reports}
    assert {"1", "2-3", "4-5", "6", "7", "8", "9", "10-11", "14-17", "18", "19"} <= steps
    assert applier.changed

    status = _status(landscape)
    trust = status["subaccount"]["trust"]["active"]
    assert trust["subject_cn"] == f"cfapps.eu10.hana.ondemand.com/{landscape.subaccount_id}"
    (system,) = status["s4"]["communication_systems"]
    assert system["system_id"] == demo.COMMUNICATION_SYSTEM
    assert system["oauth2_idp_enabled"] is True
    assert system["saml_issuer"] == trust["subject_cn"]  # step 9: the value after CN=
    assert system["user_id_mapping_mode"] == "user_uuid"
    assert system["signing_certificate"]["sha256_fingerprint"] == trust["sha256_fingerprint"]  # step 8
    assert system["inbound_users"] == [{"user_name": demo.COMMUNICATION_USER, "authentication_method": "oauth2"}]
    (arrangement,) = status["s4"]["communication_arrangements"]
    assert arrangement["name"] == demo.ARRANGEMENT
    assert arrangement["scenario_id"] == "SAP_COM_0501"
    assert arrangement["system_id"] == demo.COMMUNICATION_SYSTEM
    assert arrangement["inbound_user"] == demo.COMMUNICATION_USER
    assert arrangement["authentication_method"] == "oauth2"
    oauth = arrangement["oauth2"]
    assert oauth["client_id"] == demo.COMMUNICATION_USER
    assert oauth["token_service_url"] == "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"
    assert oauth["saml2_audience"] == "https://my300000.s4hana.ondemand.com"
    (destination,) = status["destinations"]
    assert destination["Name"] == demo.DESTINATION
    assert destination["Authentication"] == "OAuth2SAMLBearerAssertion"
    assert destination["audience"] == oauth["saml2_audience"]
    assert destination["clientKey"] == destination["tokenServiceUser"] == demo.COMMUNICATION_USER
    assert destination["tokenServiceURL"] == "http://127.0.0.1:18082/sap/bc/sec/oauth2/token"  # the local one
    assert destination["tc.enabled"] == "true"
    assert destination["URL.queries.sap-client"] == "100"
    assert destination["userIdSource"] == "user_uuid"
    assert "tokenServicePassword" not in destination
    assert demo_secrets.communication_user_password not in str(status)
    approver = next(u for u in status["s4"]["business_users"] if u["user_name"] == "APPROVER")
    assert approver["global_user_id"] == demo_secrets.users[0].user_uuid


def test_second_apply_changes_nothing_and_says_so(landscape: LocalLandscape, demo_spec: LandscapeSpec) -> None:
    _apply(landscape, demo_spec)
    before = _status(landscape)
    again = _apply(landscape, demo_spec)
    assert not again.changed
    assert {r.action for r in again.reports} == {UNCHANGED}
    assert _status(landscape) == before


class _CrashingS4:
    """Delegates to the real client but fails, like a dropped connection, at one chosen call."""

    def __init__(self, inner: S4Client, fail_on: str) -> None:
        self._inner = inner
        self._fail_on = fail_on

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name == self._fail_on:

            async def crash(*_args: Any, **_kwargs: Any) -> Any:
                raise ConnectionError("simulated crash in the middle of apply")

            return crash
        return attribute


def test_a_failing_step_leaves_earlier_steps_consistent_and_a_rerun_finishes(
    landscape: LocalLandscape, demo_spec: LandscapeSpec
) -> None:
    with pytest.raises(ConnectionError):
        _apply(landscape, demo_spec, lambda s4: _CrashingS4(s4, "create_communication_arrangement"))

    half = _status(landscape)
    (system,) = half["s4"]["communication_systems"]
    assert (
        system["signing_certificate"]["sha256_fingerprint"]
        == half["subaccount"]["trust"]["active"]["sha256_fingerprint"]
    )
    assert system["inbound_users"]
    assert half["s4"]["communication_arrangements"] == []
    assert half["destinations"] == []

    rerun = _apply(landscape, demo_spec)
    actions = {(r.step, r.action) for r in rerun.reports}
    assert ("8", UNCHANGED) in actions  # the certificate uploaded before the crash is kept
    assert ("14-17", "created") in actions
    assert ("19", "created") in actions
    done = _status(landscape)
    assert len(done["s4"]["communication_arrangements"]) == 1
    assert [d["Name"] for d in done["destinations"]] == [demo.DESTINATION]


def test_a_rejected_step_is_reported_with_its_step_number_and_changes_nothing_more(
    landscape: LocalLandscape, demo_spec: LandscapeSpec
) -> None:
    from trustbridge.landscape.clients import ApiError

    bad_user = replace(demo_spec.communication_users[0], password="short")
    spec = replace(demo_spec, communication_users=(bad_user,))
    reports: list[StepReport] = []

    async def run() -> None:
        async with local_clients(landscape) as (subaccount, s4):
            await apply_landscape(spec, subaccount, s4, reports.append)

    with pytest.raises(ApiError) as raised:
        asyncio.run(run())
    assert raised.value.status == 422
    assert "password" in raised.value.message
    status = _status(landscape)
    assert status["s4"]["communication_users"] == []
    assert status["s4"]["communication_systems"] == []


# --- subaccount users ------------------------------------------------------------------------------------------


def _users(landscape: LocalLandscape) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with local_clients(landscape) as (subaccount, _s4):
            return await subaccount.users()

    return asyncio.run(run())


def test_the_demo_creates_its_subaccount_users_first(
    landscape: LocalLandscape, demo_spec: LandscapeSpec, demo_secrets: demo.DemoSecrets
) -> None:
    applier = _apply(landscape, demo_spec)
    assert [(r.step, r.subject, r.action) for r in applier.reports[:2]] == [
        ("users", "subaccount user approver", "created"),
        ("users", "subaccount user viewer", "created"),
    ]
    by_login = {u["login"]: u for u in _users(landscape)}
    approver, viewer = demo_secrets.users
    assert by_login["approver"] == {
        "login": "approver",
        "email": approver.email,
        "user_uuid": approver.user_uuid,
        "first_name": "Approver",
        "last_name": "Demo",
        "groups": [demo.APPROVER_GROUP],
    }
    assert by_login["viewer"]["user_uuid"] == viewer.user_uuid
    assert by_login["viewer"]["groups"] == []
    with landscape.database.read() as session:
        assert users.authenticate(session, "approver", approver.password) is not None
        assert users.authenticate(session, "viewer", viewer.password) is not None


def test_apply_patches_differing_user_fields_and_never_the_password(
    landscape: LocalLandscape, demo_spec: LandscapeSpec, demo_secrets: demo.DemoSecrets
) -> None:
    _apply(landscape, demo_spec)
    approver = replace(
        demo_spec.subaccount_users[0], email="boss@example.com", groups=("A", "B"), password="Another-Passw0rd"
    )
    spec = replace(demo_spec, subaccount_users=(approver, demo_spec.subaccount_users[1]))

    again = _apply(landscape, spec)

    user_reports = [(r.subject, r.action, r.detail) for r in again.reports if r.step == "users"][:2]
    assert user_reports[0] == ("subaccount user approver", "updated", "email, groups")
    assert user_reports[1][:2] == ("subaccount user viewer", "unchanged")
    stored = next(u for u in _users(landscape) if u["login"] == "approver")
    assert (stored["email"], stored["groups"]) == ("boss@example.com", ["A", "B"])
    with landscape.database.read() as session:
        assert users.authenticate(session, "approver", demo_secrets.users[0].password) is not None
        assert users.authenticate(session, "approver", "Another-Passw0rd") is None
    assert not _apply(landscape, spec).changed


def test_a_new_user_without_a_password_stops_apply(landscape: LocalLandscape) -> None:
    spec = LandscapeSpec(subaccount_users=(SubaccountUserSpec("nopw", "nopw@example.com"),))
    with pytest.raises(ApplyError) as raised:
        _apply(landscape, spec)
    assert str(raised.value) == (
        "step users (subaccount user nopw): a new user needs a password (password or password_env)"
    )
    assert _users(landscape) == []


def test_a_user_without_user_uuid_in_the_file_keeps_the_generated_one(landscape: LocalLandscape) -> None:
    spec = LandscapeSpec(subaccount_users=(SubaccountUserSpec("gen", "gen@example.com", password="Passw0rd!"),))
    _apply(landscape, spec)
    (created,) = _users(landscape)
    again = _apply(landscape, spec)
    assert not again.changed
    assert _users(landscape) == [created]
