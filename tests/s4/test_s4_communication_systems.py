"""Communication-system rules: ID, name, host, signing certificate, SAML issuer, mapping mode, inbound users."""

from __future__ import annotations

from typing import Any

import pytest

from trustbridge.pki.certificates import MAX_UPLOAD_BYTES, sha256_fingerprint

from .support import OTHER_CN, S4, TRUST_CN, Certificates

SYSTEMS = "/api/communication-systems"
SYSTEM = f"{SYSTEMS}/BTP_TASK_CENTER"


def _ids(s4: S4) -> list[str]:
    return [s["system_id"] for s in s4.get(SYSTEMS)["value"]]


def _codes(system: dict[str, Any]) -> set[str]:
    return {w["code"] for w in system["warnings"]}


# -- system ID and name --------------------------------------------------------------------------------------
def test_system_id_is_upper_cased_and_40_characters_are_accepted(s4: S4) -> None:
    long_id = "ZPRA_PSE_S4HANA_TO_PS-" + "X" * 18
    assert s4.system("btp_task_center")["system_id"] == "BTP_TASK_CENTER"
    assert s4.system(long_id)["system_id"] == long_id
    assert s4.get(f"{SYSTEMS}/btp_task_center")["system_id"] == "BTP_TASK_CENTER"


@pytest.mark.parametrize(
    ("system_id", "code"),
    [
        ("", "system_id_required"),
        ("BTP TASK CENTER", "system_id_invalid_characters"),
        ("BTP.TASK", "system_id_invalid_characters"),
        ("BTP/TASK", "system_id_invalid_characters"),
        ("_BTP", "system_id_invalid_characters"),
        ("B" * 41, "system_id_too_long"),
    ],
)
def test_system_id_rules(s4: S4, system_id: str, code: str) -> None:
    response = s4.client.post(SYSTEMS, json={"system_id": system_id, "system_name": "BTP"})
    s4.error(response, 422, "system_id", code)
    assert _ids(s4) == []


def test_system_id_is_unique(s4: S4) -> None:
    s4.system()
    response = s4.client.post(SYSTEMS, json={"system_id": "btp_task_center", "system_name": "Other"})
    s4.error(response, 409, "system_id", "system_id_taken")
    assert s4.get(SYSTEM)["system_name"] == "BTP Task Center"


@pytest.mark.parametrize(("name", "code"), [("", "system_name_required"), ("N" * 81, "system_name_too_long")])
def test_system_name_rules(s4: S4, name: str, code: str) -> None:
    s4.error(s4.client.post(SYSTEMS, json={"system_id": "BTP", "system_name": name}), 422, "system_name", code)
    assert _ids(s4) == []


def test_system_name_cannot_be_blanked(s4: S4) -> None:
    s4.system()
    s4.error(s4.client.patch(SYSTEM, json={"system_name": "  "}), 422, "system_name", "system_name_required")
    assert s4.get(SYSTEM)["system_name"] == "BTP Task Center"


# -- host name -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("https://my300000.s4hana.ondemand.com", "host_name_has_scheme"),
        ("my300000.s4hana.ondemand.com/ui", "host_name_has_path"),
        ("my300000.s4hana.ondemand.com:443", "host_name_has_port"),
        ("my_300000.s4hana.ondemand.com", "host_name_invalid"),
        ("-my300000.s4hana.ondemand.com", "host_name_invalid"),
        ("my300000..ondemand.com", "host_name_invalid"),
        ("", "host_name_invalid"),
    ],
)
def test_host_name_must_be_a_dns_host_name(s4: S4, host: str, code: str) -> None:
    s4.system(host_name="my300000.s4hana.ondemand.com")
    s4.error(s4.client.patch(SYSTEM, json={"host_name": host}), 422, "host_name", code)
    assert s4.get(SYSTEM)["host_name"] == "my300000.s4hana.ondemand.com"


def test_host_name_is_lower_cased_and_can_be_cleared(s4: S4) -> None:
    s4.system()
    assert s4.patch_system("BTP_TASK_CENTER", host_name="My300000.S4HANA.ondemand.com")["host_name"] == (
        "my300000.s4hana.ondemand.com"
    )
    cleared = s4.patch_system("BTP_TASK_CENTER", host_name=None)
    assert cleared["host_name"] is None and "host_name_missing" in _codes(cleared)


def test_rejected_patch_changes_no_field(s4: S4) -> None:
    """One transaction per request: the valid host name is not saved when the issuer is refused."""
    s4.system()
    response = s4.client.patch(SYSTEM, json={"host_name": "my300000.s4hana.ondemand.com", "saml_issuer": " x"})
    s4.error(response, 422, "saml_issuer", "saml_issuer_surrounding_whitespace")
    assert s4.get(SYSTEM)["host_name"] is None


def test_oauth2_idp_toggle_must_be_boolean(s4: S4) -> None:
    s4.system()
    s4.error(s4.client.patch(SYSTEM, json={"oauth2_idp_enabled": "ON"}), 400, "oauth2_idp_enabled", "wrong_type")
    assert s4.get(SYSTEM)["oauth2_idp_enabled"] is False


# -- signing certificate -------------------------------------------------------------------------------------
def test_der_certificate_is_accepted(s4: S4, certs: Certificates) -> None:
    s4.system()
    response = s4.upload("BTP_TASK_CENTER", certs.trust_der)
    assert response.status_code == 200, response.text
    assert response.json()["signing_certificate"]["sha256_fingerprint"] == sha256_fingerprint(certs.trust)


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        ("saml_metadata", "saml_metadata"),
        ("private_key_pem", "private_key"),
        ("private_key_der", "private_key"),
        ("two_certificates", "several_certificates"),
        ("empty", "empty"),
        ("garbage", "unknown_format"),
        ("expired_pem", "expired"),
        ("not_yet_valid_pem", "not_yet_valid"),
    ],
)
def test_wrong_signing_certificate_uploads_are_refused(s4: S4, certs: Certificates, upload: str, code: str) -> None:
    """Misconfiguration 2 (research §G): the wrong file is named; the stored certificate stays."""
    special = {"empty": b"", "garbage": b"this is not a certificate"}
    data: bytes = special[upload] if upload in special else getattr(certs, upload)
    s4.system()
    assert s4.upload("BTP_TASK_CENTER", certs.trust_pem).status_code == 200
    s4.error(s4.upload("BTP_TASK_CENTER", data), 422, "signing_certificate", code)
    stored = s4.get(SYSTEM)["signing_certificate"]
    assert stored["sha256_fingerprint"] == sha256_fingerprint(certs.trust)


def test_oversized_upload_is_refused_before_parsing(s4: S4, certs: Certificates) -> None:
    s4.system()
    data = certs.trust_pem + b"\n" * MAX_UPLOAD_BYTES
    s4.error(s4.upload("BTP_TASK_CENTER", data), 413, "signing_certificate", "too_large")
    assert s4.get(SYSTEM)["signing_certificate"] is None


def test_upload_to_unknown_system_is_not_found(s4: S4, certs: Certificates) -> None:
    assert s4.upload("NOPE", certs.trust_pem).status_code == 404


def test_remove_signing_certificate(s4: S4, certs: Certificates) -> None:
    s4.system(oauth2_idp_enabled=True)
    s4.upload("BTP_TASK_CENTER", certs.trust_pem)
    removed = s4.ok("DELETE", f"{SYSTEM}/signing-certificate")
    assert removed["signing_certificate"] is None and removed["suggested_saml_issuer"] is None
    assert "signing_certificate_missing" in _codes(removed)


# -- OAuth 2.0 SAML issuer -----------------------------------------------------------------------------------
def test_issuer_differing_from_certificate_cn_is_saved_with_a_warning(s4: S4, certs: Certificates) -> None:
    """Misconfiguration 1: e.g. the XSUAA URL as issuer. Saved (S/4 accepts it), but the warning names the CN."""
    s4.system(oauth2_idp_enabled=True, host_name="my300000.s4hana.ondemand.com")
    s4.upload("BTP_TASK_CENTER", certs.trust_pem)
    xsuaa = "https://mysub.authentication.eu10.hana.ondemand.com"
    system = s4.patch_system("BTP_TASK_CENTER", saml_issuer=xsuaa)
    assert system["saml_issuer"] == xsuaa
    [warning] = [w for w in system["warnings"] if w["code"] == "saml_issuer_differs_from_certificate_cn"]
    assert warning["target"] == "saml_issuer" and TRUST_CN in warning["message"]
    fixed = s4.patch_system("BTP_TASK_CENTER", saml_issuer=TRUST_CN)
    assert fixed["warnings"] == []


def test_uploading_another_certificate_warns_about_the_old_issuer(s4: S4, certs: Certificates) -> None:
    s4.system(oauth2_idp_enabled=True, saml_issuer=TRUST_CN)
    response = s4.upload("BTP_TASK_CENTER", certs.other_pem)
    system = response.json()
    assert system["suggested_saml_issuer"] == OTHER_CN
    assert "saml_issuer_differs_from_certificate_cn" in _codes(system)


@pytest.mark.parametrize(
    ("issuer", "code"),
    [
        ("", "saml_issuer_empty"),
        ("i" * 256, "saml_issuer_too_long"),
        (f" {TRUST_CN}", "saml_issuer_surrounding_whitespace"),
        (f"{TRUST_CN}\n", "saml_issuer_surrounding_whitespace"),
        ("cfapps.eu10\x00", "saml_issuer_control_characters"),
    ],
)
def test_saml_issuer_rules(s4: S4, issuer: str, code: str) -> None:
    s4.system(saml_issuer="previous")
    s4.error(s4.client.patch(SYSTEM, json={"saml_issuer": issuer}), 422, "saml_issuer", code)
    assert s4.get(SYSTEM)["saml_issuer"] == "previous"


def test_saml_issuer_of_255_characters_is_accepted(s4: S4) -> None:
    s4.system()
    assert s4.patch_system("BTP_TASK_CENTER", saml_issuer="i" * 255)["saml_issuer"] == "i" * 255


def test_saml_issuer_is_unique_across_systems(s4: S4) -> None:
    s4.system("BTP_TASK_CENTER", saml_issuer=TRUST_CN)
    s4.system("OTHER_SYSTEM")
    response = s4.client.patch(f"{SYSTEMS}/OTHER_SYSTEM", json={"saml_issuer": TRUST_CN})
    s4.error(response, 409, "saml_issuer", "saml_issuer_taken")
    assert s4.get(f"{SYSTEMS}/OTHER_SYSTEM")["saml_issuer"] is None
    response = s4.client.post(SYSTEMS, json={"system_id": "THIRD", "system_name": "T", "saml_issuer": TRUST_CN})
    s4.error(response, 409, "saml_issuer", "saml_issuer_taken")
    assert _ids(s4) == ["BTP_TASK_CENTER", "OTHER_SYSTEM"]


def test_idp_on_without_certificate_and_issuer_warns(s4: S4) -> None:
    system = s4.system(oauth2_idp_enabled=True, host_name="my300000.s4hana.ondemand.com")
    assert _codes(system) == {"signing_certificate_missing", "saml_issuer_missing"}
    assert s4.patch_system("BTP_TASK_CENTER", oauth2_idp_enabled=False)["warnings"] == []


# -- user ID mapping mode ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("User UUID", "user_uuid"),
        ("USER_UUID", "user_uuid"),
        ("user_uuid", "user_uuid"),
        ("Global User ID", "global_user_id"),
        ("E-Mail", "email"),
        ("email", "email"),
        ("User Name", "user_name"),
    ],
)
def test_user_id_mapping_mode_accepts_codes_and_labels(s4: S4, given: str, stored: str) -> None:
    s4.system()
    assert s4.patch_system("BTP_TASK_CENTER", user_id_mapping_mode=given)["user_id_mapping_mode"] == stored


def test_unknown_user_id_mapping_mode_is_refused(s4: S4) -> None:
    s4.system(user_id_mapping_mode="user_uuid")
    response = s4.client.patch(SYSTEM, json={"user_id_mapping_mode": "UPN"})
    s4.error(response, 422, "user_id_mapping_mode", "user_id_mapping_mode_invalid")
    assert s4.get(SYSTEM)["user_id_mapping_mode"] == "user_uuid"


# -- inbound users -------------------------------------------------------------------------------------------
def _add(s4: S4, user_name: str, method: str) -> Any:
    return s4.client.post(f"{SYSTEM}/inbound-users", json={"user_name": user_name, "authentication_method": method})


def _inbound(s4: S4) -> list[dict[str, str]]:
    return list(s4.get(SYSTEM)["inbound_users"])


def test_inbound_user_must_exist(s4: S4) -> None:
    s4.system()
    s4.error(_add(s4, "NOBODY", "oauth2"), 422, "user_name", "communication_user_not_found")
    s4.error(_add(s4, "", "oauth2"), 422, "user_name", "user_name_required")
    assert _inbound(s4) == []


def test_inbound_authentication_method_must_be_known(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.error(_add(s4, "TASKCENTERCOM", "kerberos"), 422, "authentication_method", "authentication_method_invalid")
    s4.error(_add(s4, "TASKCENTERCOM", ""), 422, "authentication_method", "authentication_method_required")
    assert _inbound(s4) == []


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("OAuth 2.0", "oauth2"),
        ("User ID and Password", "basic"),
        ("SSL Client Certificate", "x509"),
        ("OAUTH2_MTLS", "oauth2_mtls"),
    ],
)
def test_inbound_method_labels_are_accepted(s4: S4, given: str, code: str) -> None:
    s4.user()
    s4.system()
    assert _add(s4, "taskcentercom", given).status_code == 201
    assert _inbound(s4) == [{"user_name": "TASKCENTERCOM", "authentication_method": code}]


def test_same_inbound_user_and_method_twice_is_a_conflict(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "oauth2")
    s4.error(_add(s4, "TASKCENTERCOM", "OAuth 2.0"), 409, "user_name", "inbound_user_exists")
    assert len(_inbound(s4)) == 1
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "basic")  # another method is another entry
    assert len(_inbound(s4)) == 2


@pytest.mark.parametrize("method", ["oauth2", "basic"])
def test_password_methods_need_a_user_with_password(s4: S4, method: str) -> None:
    s4.user("CERTUSER", password=None)
    s4.system()
    s4.error(_add(s4, "CERTUSER", method), 422, "user_name", "communication_user_has_no_password")
    assert _inbound(s4) == []
    assert _add(s4, "CERTUSER", "x509").status_code == 201


def test_inbound_user_on_unknown_system_is_not_found(s4: S4) -> None:
    s4.user()
    response = s4.client.post(
        f"{SYSTEMS}/NOPE/inbound-users", json={"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}
    )
    assert response.status_code == 404


def test_remove_unused_inbound_user(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "oauth2")
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "basic")
    after = s4.ok("DELETE", f"{SYSTEM}/inbound-users/TASKCENTERCOM", params={"authentication_method": "basic"})
    assert after["inbound_users"] == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]
    assert s4.ok("DELETE", f"{SYSTEM}/inbound-users/TASKCENTERCOM")["inbound_users"] == []
    assert s4.client.delete(f"{SYSTEM}/inbound-users/TASKCENTERCOM").status_code == 404
    assert s4.client.delete("/api/communication-users/TASKCENTERCOM").status_code == 204


def test_remove_inbound_user_used_by_an_arrangement_is_refused(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement(communication_system="BTP_TASK_CENTER")
    response = s4.client.delete(f"{SYSTEM}/inbound-users/TASKCENTERCOM")
    error = s4.error(response, 409, "user_name", "inbound_user_in_use")
    assert "TASKCENTER" in error["message"]
    assert _inbound(s4) == [{"user_name": "TASKCENTERCOM", "authentication_method": "oauth2"}]


# -- delete --------------------------------------------------------------------------------------------------
def test_delete_unused_system(s4: S4) -> None:
    s4.user()
    s4.system()
    s4.inbound("BTP_TASK_CENTER", "TASKCENTERCOM", "oauth2")
    assert s4.client.delete(SYSTEM).status_code == 204
    assert s4.client.get(SYSTEM).status_code == 404
    assert s4.client.delete("/api/communication-users/TASKCENTERCOM").status_code == 204


def test_delete_system_used_by_an_arrangement_is_refused(s4: S4, certs: Certificates) -> None:
    s4.configured_system(certs)
    s4.arrangement(communication_system="BTP_TASK_CENTER")
    s4.error(s4.client.delete(SYSTEM), 409, "system_id", "communication_system_in_use")
    assert _ids(s4) == ["BTP_TASK_CENTER"]
    assert s4.get(SYSTEM)["inbound_users"] != []
