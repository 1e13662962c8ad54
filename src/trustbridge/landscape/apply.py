"""Apply a landscape file: the seed's steps as idempotent API calls, reported step by step.

Each object is read first and only what differs is written, one API call (one transaction) per step, so a
second apply changes nothing and says so, and an apply that fails half-way leaves every finished step in
place: running it again picks up where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustbridge.landscape.clients import S4Client, SubaccountClient
from trustbridge.landscape.spec import (
    FROM_CERTIFICATE,
    FROM_SUBACCOUNT,
    X509_CONTEXT,
    ArrangementSpec,
    CommunicationSystemSpec,
    DestinationSpec,
    LandscapeSpec,
    SubaccountUserSpec,
)
from trustbridge.pki.certificates import load_single_certificate, sha256_fingerprint, subject_cn

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class StepReport:
    """One line of the apply report: the seed step, what it concerns, and what apply did."""

    step: str  # "1", "2-3", "8", … or a label for steps the seed does not number
    subject: str
    action: str
    detail: str = ""


class ApplyError(Exception):
    def __init__(self, step: str, subject: str, message: str) -> None:
        super().__init__(f"step {step} ({subject}): {message}")
        self.step = step
        self.subject = subject


Reporter = Callable[[StepReport], None]


class Applier:
    def __init__(self, spec: LandscapeSpec, subaccount: SubaccountClient, s4: S4Client, report: Reporter) -> None:
        self.spec = spec
        self.subaccount = subaccount
        self.s4 = s4
        self._report = report
        self.reports: list[StepReport] = []
        self._trust_pem: str | None = None

    def emit(self, step: str, subject: str, action: str, detail: str = "") -> None:
        line = StepReport(step, subject, action, detail)
        self.reports.append(line)
        self._report(line)

    @property
    def changed(self) -> bool:
        return any(r.action != UNCHANGED for r in self.reports)

    async def run(self) -> list[StepReport]:
        for subaccount_user in self.spec.subaccount_users:
            await self._subaccount_user(subaccount_user)
        if any(s.signing_certificate == FROM_SUBACCOUNT for s in self.spec.communication_systems):
            self._trust_pem = await self.subaccount.download_trust()
            cert = load_single_certificate(self._trust_pem.encode())
            self.emit("1", "Download Trust", UNCHANGED, f"CN={subject_cn(cert)}")
        for user in self.spec.communication_users:
            await self._communication_user(user.user_name, user.description, user.password)
        for role in self.spec.business_roles:
            await self._business_role(role.role_id, role.name, list(role.catalogs))
        for business_user in self.spec.business_users:
            await self._business_user(business_user.__dict__)
        for system in self.spec.communication_systems:
            await self._communication_system(system)
        for arrangement in self.spec.communication_arrangements:
            await self._arrangement(arrangement)
        for destination in self.spec.destinations:
            await self._destination(destination)
        return self.reports

    # the subaccount's users (Identity Authentication in BTP) ----------------------------------------------
    async def _subaccount_user(self, spec: SubaccountUserSpec) -> None:
        subject = f"subaccount user {spec.login}"
        wanted = spec.visible()
        current = await self.subaccount.user(spec.login)
        if current is None:
            if not spec.password:
                raise ApplyError("users", subject, "a new user needs a password (password or password_env)")
            await self.subaccount.create_user({"login": spec.login, **wanted, "password": spec.password})
            self.emit("users", subject, CREATED)
            return
        changes = {key: value for key, value in wanted.items() if current.get(key) != value}
        if changes:
            await self.subaccount.update_user(spec.login, changes)
            self.emit("users", subject, UPDATED, ", ".join(sorted(changes)))
        else:
            self.emit("users", subject, UNCHANGED, "password is write-only: apply sets it only for a new user")

    # steps 2-3 --------------------------------------------------------------------------------------------
    async def _communication_user(self, user_name: str, description: str, password: str | None) -> None:
        subject = f"communication user {user_name}"
        current = await self.s4.communication_user(user_name)
        if current is None:
            if not password:
                raise ApplyError("3", subject, "a new communication user needs a password (password or password_env)")
            await self.s4.create_communication_user(
                {"user_name": user_name, "description": description, "password": password}
            )
            self.emit("2-3", subject, CREATED)
        elif current.get("description") != description:
            await self.s4.update_communication_user(user_name, {"description": description})
            self.emit("2-3", subject, UPDATED, "description")
        else:
            self.emit("2-3", subject, UNCHANGED, "password is write-only: apply sets it only for a new user")

    # business users (Global User ID = the subaccount user's UUID) -----------------------------------------
    async def _business_role(self, role_id: str, name: str, catalogs: list[str]) -> None:
        subject = f"business role {role_id}"
        body = {"role_id": role_id, "name": name, "catalogs": catalogs}
        current = await self.s4.business_role(role_id)
        if current is None:
            await self.s4.create_business_role(body)
            self.emit("users", subject, CREATED)
        elif current.get("name") != name or sorted(current.get("catalogs", [])) != sorted(catalogs):
            await self.s4.update_business_role(role_id, body)
            self.emit("users", subject, UPDATED)
        else:
            self.emit("users", subject, UNCHANGED)

    async def _business_user(self, wanted: dict[str, Any]) -> None:
        user_name = wanted["user_name"]
        subject = f"business user {user_name}"
        body = {k: (list(v) if isinstance(v, tuple) else v) for k, v in wanted.items()}
        current = await self.s4.business_user(user_name)
        if current is None:
            await self.s4.create_business_user(body)
            self.emit("users", subject, CREATED)
            return
        changes = {
            k: v
            for k, v in body.items()
            if k != "user_name" and (sorted(current.get(k) or []) != sorted(v) if k == "roles" else current.get(k) != v)
        }
        if changes:
            await self.s4.update_business_user(user_name, changes)
            self.emit("users", subject, UPDATED, ", ".join(sorted(changes)))
        else:
            self.emit("users", subject, UNCHANGED)

    # steps 4-13 -------------------------------------------------------------------------------------------
    async def _communication_system(self, spec: CommunicationSystemSpec) -> None:
        sid = spec.system_id
        subject = f"communication system {sid}"
        current = await self.s4.communication_system(sid)
        if current is None:
            current = await self.s4.create_communication_system({"system_id": sid, "system_name": spec.system_name})
            self.emit("4-5", subject, CREATED)
        elif current.get("system_name") != spec.system_name:
            current = await self.s4.update_communication_system(sid, {"system_name": spec.system_name})
            self.emit("5", subject, UPDATED, "system name")
        else:
            self.emit("4-5", subject, UNCHANGED)

        current = await self._set_field(current, sid, "6", "host_name", spec.host_name)
        current = await self._set_field(current, sid, "7", "oauth2_idp_enabled", spec.oauth2_idp_enabled)

        certificate_cn: str | None = None
        if spec.signing_certificate is not None:
            data = self._certificate_bytes(spec)
            cert = load_single_certificate(data)
            certificate_cn = subject_cn(cert)
            fingerprint = sha256_fingerprint(cert)
            uploaded = (current.get("signing_certificate") or {}).get("sha256_fingerprint")
            if uploaded != fingerprint:
                current = await self.s4.upload_signing_certificate(sid, data)
                self.emit("8", f"{subject} signing certificate", UPDATED if uploaded else CREATED, fingerprint)
            else:
                self.emit("8", f"{subject} signing certificate", UNCHANGED, fingerprint)

        issuer = spec.saml_issuer
        if issuer == FROM_CERTIFICATE:
            issuer = certificate_cn or (current.get("signing_certificate") or {}).get("subject_cn")
            if not issuer:
                raise ApplyError("9", subject, "saml_issuer = 'certificate-cn' needs a signing certificate")
        current = await self._set_field(current, sid, "9", "saml_issuer", issuer)
        for warning in current.get("warnings") or []:
            if warning.get("code") == "saml_issuer_differs_from_certificate_cn":
                self.emit("9", f"{subject} warning", UNCHANGED, str(warning.get("message")))
        current = await self._set_field(current, sid, "9", "user_id_mapping_mode", spec.user_id_mapping_mode)

        present = {(u["user_name"], u["authentication_method"]) for u in current.get("inbound_users", [])}
        for inbound in spec.inbound_users:
            key = (inbound.user_name, inbound.authentication_method)
            label = f"{subject} inbound user {inbound.user_name} ({inbound.authentication_method})"
            if key in present:
                self.emit("10-11", label, UNCHANGED)
            else:
                current = await self.s4.add_inbound_user(sid, inbound.user_name, inbound.authentication_method)
                self.emit("10-11", label, CREATED)

    def _certificate_bytes(self, spec: CommunicationSystemSpec) -> bytes:
        if spec.signing_certificate == FROM_SUBACCOUNT:
            assert self._trust_pem is not None
            return self._trust_pem.encode()
        path = Path(str(spec.signing_certificate))
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ApplyError("8", f"communication system {spec.system_id}", f"cannot read {path}: {exc}") from exc

    async def _set_field(
        self, current: dict[str, Any], system_id: str, step: str, name: str, wanted: Any
    ) -> dict[str, Any]:
        subject = f"communication system {system_id} {name.replace('_', ' ')}"
        if wanted is None:
            return current
        if current.get(name) == wanted:
            self.emit(step, subject, UNCHANGED, str(wanted))
            return current
        updated = await self.s4.update_communication_system(system_id, {name: wanted})
        self.emit(step, subject, UPDATED, str(wanted))
        return updated

    # steps 14-18 ------------------------------------------------------------------------------------------
    async def _arrangement(self, spec: ArrangementSpec) -> None:
        subject = f"communication arrangement {spec.arrangement_name}"
        current = await self.s4.communication_arrangement(spec.arrangement_name)
        if current is None:
            current = await self.s4.create_communication_arrangement(
                {"scenario_id": spec.scenario_id, "arrangement_name": spec.arrangement_name}
            )
            self.emit("14-17", subject, CREATED, spec.scenario_id)
        elif current.get("scenario_id") != spec.scenario_id:
            raise ApplyError(
                "16",
                subject,
                f"exists with scenario {current.get('scenario_id')}; delete it to change the scenario",
            )
        else:
            self.emit("14-17", subject, UNCHANGED, spec.scenario_id)
        wanted: dict[str, Any] = {"communication_system": spec.communication_system}
        if spec.inbound_user:
            wanted["inbound_user"] = spec.inbound_user
        if spec.authentication_method:
            wanted["authentication_method"] = spec.authentication_method
        changes = {k: v for k, v in wanted.items() if current.get(k) != v}
        if changes:
            current = await self.s4.update_communication_arrangement(spec.arrangement_name, changes)
            self.emit("18", subject, UPDATED, _describe_arrangement(current))
        else:
            self.emit("18", subject, UNCHANGED, _describe_arrangement(current))

    # step 19 → the BTP destination ------------------------------------------------------------------------
    async def _destination(self, spec: DestinationSpec) -> None:
        subject = f"destination {spec.name}"
        wanted: dict[str, str] = {"Name": spec.name}
        secrets: dict[str, str] = {}
        if spec.from_arrangement:
            wanted, secrets = await self._from_arrangement(spec)
        wanted.update(spec.properties)
        secret_keys = {k for k in wanted if _is_secret(k)}
        visible = {k: v for k, v in wanted.items() if k not in secret_keys}
        full = {**secrets, **wanted}
        current = await self.subaccount.destination(spec.name)
        if current is None:
            await self.subaccount.create_destination(full)
            self.emit("19", subject, CREATED, visible.get("tokenServiceURL", ""))
            return
        shown = {k: v for k, v in current.items() if not _is_secret(k)}
        if shown != visible:
            await self.subaccount.update_destination(full)
            changed = sorted(k for k in set(shown) | set(visible) if shown.get(k) != visible.get(k))
            self.emit("19", subject, UPDATED, ", ".join(changed))
        else:
            self.emit("19", subject, UNCHANGED)

    async def _from_arrangement(self, spec: DestinationSpec) -> tuple[dict[str, str], dict[str, str]]:
        name = str(spec.from_arrangement)
        details = await self.s4.oauth2_details(name)
        tenant = await self.s4.tenant()
        arrangement = await self.s4.communication_arrangement(name) or {}
        client_id = str(details["client_id"])
        properties = {
            "Name": spec.name,
            "Type": "HTTP",
            "URL": str(tenant["local_url"]).rstrip("/") + "/",
            "ProxyType": "Internet",
            "Authentication": "OAuth2SAMLBearerAssertion",
            "audience": str(details["saml2_audience"]),
            "authnContextClassRef": X509_CONTEXT,
            "clientKey": client_id,
            "tokenServiceURLType": "Dedicated",
            "tokenServiceURL": str(details["token_service_url_local"]),
            "tokenServiceUser": str(arrangement.get("inbound_user") or client_id),
        }
        secrets: dict[str, str] = {}
        user = self.spec.communication_user(properties["tokenServiceUser"])
        if user is not None and user.password:
            secrets["tokenServicePassword"] = user.password
        elif "tokenServicePassword" not in spec.properties:
            raise ApplyError(
                "19",
                f"destination {spec.name}",
                f"tokenServicePassword is needed: define communication user {properties['tokenServiceUser']} "
                "with its password in this file, or set properties.tokenServicePassword",
            )
        return properties, secrets


def _describe_arrangement(arrangement: dict[str, Any]) -> str:
    return (
        f"system {arrangement.get('communication_system')}, inbound user {arrangement.get('inbound_user')}, "
        f"{arrangement.get('authentication_method')}"
    )


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered.endswith("password") or lowered.endswith("secret")


async def apply_landscape(
    spec: LandscapeSpec, subaccount: SubaccountClient, s4: S4Client, report: Reporter = lambda _r: None
) -> Applier:
    applier = Applier(spec, subaccount, s4, report)
    await applier.run()
    return applier
