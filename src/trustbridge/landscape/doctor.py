"""``trustbridge doctor``: check the whole trust chain for one destination and one user, in plain words.

SAP has no such tool: an administrator sees ``invalid_grant`` and guesses. The doctor reads both sides
through their admin APIs, compares what must match (research §G's twelve misconfigurations), then does a live
exchange and calls the SPI Task Replication service root. Each ✗ names the cause and the seed step (1–19) or
destination property that fixes it. Exit code 0 only when nothing failed.

Local mode (a data dir) sees everything, including the destination's password and the user directory, and
builds the assertion as the Destination service would. Remote mode (URLs) sees what the admin APIs show and
says which checks it cannot make from outside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from trustbridge.landscape.clients import S4Client, SubaccountClient

SAML_BEARER = "OAuth2SAMLBearerAssertion"
REQUIRED = ("URL", "audience", "clientKey", "tokenServiceURL", "authnContextClassRef")
NEAR_EXPIRY = dt.timedelta(days=30)
TASK_CENTER_SCOPE = "OV4:API_TASK_SPI_REPLICATION"
REPLICATION_PATH = "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"


@dataclass(frozen=True)
class Check:
    """One line of the report: ✓ passed, ✗ failed (with the fix), – could not be checked."""

    key: str
    title: str
    status: str  # "pass" | "fail" | "skip"
    detail: str = ""
    fix: str = ""

    @property
    def mark(self) -> str:
        return {"pass": "✓", "fail": "✗", "skip": "–"}[self.status]


@dataclass
class LocalAccess:
    """What only a local data dir can give: secrets, the user's claims, a signed assertion, an in-process S/4."""

    destination_with_secrets: Callable[[str], dict[str, str]]
    user_claims: Callable[[str], dict[str, Any] | None]
    assertion: Callable[[str, dict[str, Any]], str]  # raises ValueError with the Destination service's text
    s4_transport: httpx.AsyncBaseTransport | None = None  # used when the served S/4 is not reachable
    s4_local_url: str | None = None


@dataclass(frozen=True)
class RemoteUser:
    """For a live check against remote services: the Destination binding and the user's password, so the
    doctor can do what an application does — a find with the user's token — instead of signing itself."""

    binding: dict[str, str]
    password: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, key: str, title: str, ok: bool | None, detail: str = "", fix: str = "", *, passed: str = "") -> bool:
        """``detail`` explains a failure (or why a check was skipped); ``passed`` is what a pass shows."""
        status = "skip" if ok is None else ("pass" if ok else "fail")
        self.checks.append(Check(key, title, status, passed if ok else detail, "" if ok else fix))
        return bool(ok)

    @property
    def passed(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]


async def diagnose(
    destination_name: str,
    login: str,
    subaccount: SubaccountClient,
    s4: S4Client,
    local: LocalAccess | None = None,
    *,
    remote_user: RemoteUser | None = None,
    now: dt.datetime | None = None,
) -> Report:
    report = Report()
    moment = now or dt.datetime.now(dt.UTC)
    await _run(report, destination_name, login, subaccount, s4, local, moment)
    if local is None and remote_user is not None and not report.failed():
        await _live_via_find(report, destination_name, login, remote_user)
    return report


async def _live_via_find(report: Report, name: str, login: str, remote: RemoteUser) -> None:
    """Remote live check: client-credentials and password-grant tokens, the Destination service's find, the
    S/4 token it returns, and the SPI Task Replication root — the path SAP Cloud SDK clients take."""
    binding = remote.binding
    url = binding["url"].rstrip("/") + "/oauth/token"
    client = (binding["clientid"], binding["clientsecret"])
    async with httpx.AsyncClient(timeout=30) as http:
        service = await http.post(url, data={"grant_type": "client_credentials"}, auth=client)
        user = await http.post(
            url, data={"grant_type": "password", "username": login, "password": remote.password}, auth=client
        )
        if not report.add(
            "user_token",
            f"the subaccount issues tokens for the binding and user {login}",
            service.status_code == 200 and user.status_code == 200,
            f"client credentials HTTP {service.status_code}, password grant HTTP {user.status_code}",
            "check the binding (trustbridge binding) and the user's password",
        ):
            return
        found = await http.get(
            binding["uri"].rstrip("/") + f"/destination-configuration/v1/destinations/{name}",
            headers={
                "Authorization": f"Bearer {service.json()['access_token']}",
                "X-user-token": user.json()["access_token"],
            },
        )
        tokens = found.json().get("authTokens") or [{}] if found.status_code == 200 else [{}]
        token = tokens[0]
        if not report.add(
            "exchange",
            "live token exchange (Destination service find)",
            found.status_code == 200 and bool(token.get("value")) and not token.get("error"),
            f"HTTP {found.status_code}: {token.get('error') or found.text[:200]}",
            "see the failed checks above",
        ):
            return
        target = (found.json().get("destinationConfiguration") or {}).get("URL", "").rstrip("/")
        called = await http.get(target + REPLICATION_PATH, headers={"Authorization": token["http_header"]["value"]})
        report.add(
            "service",
            "the token opens the SPI Task Replication service",
            called.status_code == 200,
            f"HTTP {called.status_code}",
            "assign the Task Center catalog to the business user (scope OV4:API_TASK_SPI_REPLICATION)",
        )


async def _run(
    report: Report,
    name: str,
    login: str,
    subaccount: SubaccountClient,
    s4: S4Client,
    local: LocalAccess | None,
    now: dt.datetime,
) -> None:
    # --- the destination -----------------------------------------------------------------------------------
    visible = await subaccount.destination(name)
    if not report.add(
        "destination", f"destination {name} exists", visible is not None, fix=f"create destination {name}"
    ):
        return
    assert visible is not None
    properties = dict(local.destination_with_secrets(name)) if local else dict(visible)
    authentication = properties.get("Authentication")
    if not report.add(
        "authentication",
        f"Authentication is {SAML_BEARER}",
        authentication == SAML_BEARER,
        f"it is {authentication!r}",
        f"destination property Authentication = {SAML_BEARER}",
    ):
        return
    missing = [key for key in REQUIRED if not properties.get(key)]
    report.add(
        "properties",
        "required destination properties are set",
        not missing,
        f"missing: {', '.join(missing)}",
        "destination properties " + ", ".join(missing) + " (from the arrangement's OAuth 2.0 Details, seed step 19)",
    )
    credentials_missing = [k for k in ("tokenServiceUser", "tokenServicePassword") if not properties.get(k)]
    if local is not None:
        report.add(
            "client_credentials",
            "tokenServiceUser and tokenServicePassword are set",
            not credentials_missing,
            f"missing: {', '.join(credentials_missing)} — S/4 then answers "
            "'No OAuth 2.0 client authentication credentials'",
            "destination properties tokenServiceUser / tokenServicePassword = the communication user (seed step 3)",
        )
    else:
        user_missing = not properties.get("tokenServiceUser")
        report.add(
            "client_credentials",
            "tokenServiceUser is set (the password cannot be read from outside)",
            not user_missing,
            "missing: tokenServiceUser",
            "destination property tokenServiceUser = the communication user (seed step 3)",
        )

    # --- the subaccount's trust certificate ---------------------------------------------------------------
    info = await subaccount.info()
    active = (info.get("trust") or {}).get("active")
    trust_ok = active is not None
    if active is not None:
        valid_to = dt.datetime.fromisoformat(str(active["valid_to"]))
        valid_from = dt.datetime.fromisoformat(str(active["valid_from"]))
        trust_ok = valid_from <= now < valid_to
        report.add(
            "trust_valid",
            "the subaccount's trust certificate is valid",
            trust_ok,
            f"valid {valid_from.date()} to {valid_to.date()}",
            "renew the trust certificate, then upload it again (seed steps 1 and 8)",
            passed=f"valid {valid_from.date()} to {valid_to.date()}",
        )
        if trust_ok:
            report.add(
                "trust_expiry",
                "the trust certificate is not about to expire",
                valid_to - now > NEAR_EXPIRY,
                f"it expires on {valid_to.date()}",
                "generate a passive certificate, upload it to S/4, then rotate (seed steps 1 and 8)",
                passed=f"it expires on {valid_to.date()}",
            )
    else:
        report.add("trust_valid", "the subaccount has a trust certificate", False, fix="generate it (seed step 1)")

    # --- the S/4 side: arrangement, system -----------------------------------------------------------------
    client_key = properties.get("clientKey") or ""
    token_user = properties.get("tokenServiceUser") or client_key
    arrangements = await s4.communication_arrangements()
    mine = [a for a in arrangements if a.get("inbound_user") == token_user]
    if not report.add(
        "arrangement",
        f"a communication arrangement has inbound user {token_user}",
        bool(mine),
        f"no arrangement uses communication user {token_user!r}",
        "destination properties clientKey / tokenServiceUser = the Client ID of the OAuth 2.0 Details (seed step 19)",
    ):
        return
    arrangement = next((a for a in mine if a.get("authentication_method") == "oauth2"), mine[0])
    arrangement_name = arrangement["arrangement_name"]
    report.add(
        "arrangement_oauth2",
        f"arrangement {arrangement_name} authenticates with OAuth 2.0",
        arrangement.get("authentication_method") == "oauth2",
        f"its authentication method is {arrangement.get('authentication_method')!r}",
        "add the communication user with OAuth 2.0 to the system's inbound users and pick OAuth 2.0 in the "
        "arrangement (seed steps 10, 11 and 18)",
    )
    oauth = arrangement.get("oauth2") or {}
    client_id = oauth.get("client_id") or arrangement.get("inbound_user")
    report.add(
        "client_id",
        "clientKey is the arrangement's Client ID",
        client_key == client_id,
        f"clientKey {client_key!r}, Client ID {client_id!r}",
        "destination property clientKey = Client ID (seed step 19)",
    )
    system = await s4.communication_system(arrangement.get("communication_system") or "")
    if not report.add("system", "the arrangement has a communication system", system is not None, fix="seed step 18"):
        return
    assert system is not None
    sid = system["system_id"]
    report.add(
        "idp",
        f"communication system {sid}: OAuth 2.0 Identity Provider is on",
        bool(system.get("oauth2_idp_enabled")),
        "the toggle is off",
        "switch OAuth 2.0 Identity Provider on (seed step 7)",
    )
    uploaded = system.get("signing_certificate") or {}
    if active is not None:
        same = uploaded.get("sha256_fingerprint") == active.get("sha256_fingerprint")
        passive = (info.get("trust") or {}).get("passive") or {}
        hint = ""
        if not uploaded:
            hint = "no signing certificate is uploaded"
        elif passive and uploaded.get("sha256_fingerprint") == passive.get("sha256_fingerprint"):
            hint = "the uploaded certificate is the subaccount's PASSIVE one: rotate the subaccount's certificates"
        elif uploaded.get("subject_cn") == active.get("subject_cn"):
            hint = "the uploaded certificate is an older one of this subaccount (renewed since)"
        else:
            hint = f"the uploaded certificate is another one (CN {uploaded.get('subject_cn')!r})"
        report.add(
            "certificate",
            f"communication system {sid} trusts the subaccount's active certificate",
            same,
            f"{hint}; active SHA-256 {active.get('sha256_fingerprint')}, uploaded "
            f"{uploaded.get('sha256_fingerprint') or 'none'}",
            "Download Trust and upload that file as signing certificate (seed steps 1 and 8)",
        )
        cn = active.get("subject_cn")
        issuer_expected = properties.get("assertionIssuer") or cn
        report.add(
            "issuer",
            "the OAuth 2.0 SAML Issuer is the trust certificate's CN",
            system.get("saml_issuer") == issuer_expected,
            f"issuer {system.get('saml_issuer')!r}, assertions carry {issuer_expected!r}",
            "paste the value after CN= into OAuth 2.0 SAML Issuer (seed step 9)",
        )
    tenant = await s4.tenant()
    audience = tenant.get("saml2_audience")
    report.add(
        "audience",
        "the destination's audience is the SAML2 audience",
        properties.get("audience") == audience,
        f"audience {properties.get('audience')!r}, SAML2 Audience {audience!r}"
        + (
            " (the -api host is the token host, not the audience)"
            if "-api." in (properties.get("audience") or "")
            else ""
        ),
        "destination property audience = SAML2 Audience of the OAuth 2.0 Details (seed step 19)",
    )
    token_urls = {tenant.get("token_service_url"), tenant.get("token_service_url_local")}
    token_url = properties.get("tokenServiceURL") or ""
    report.add(
        "token_url",
        "tokenServiceURL is the arrangement's Token Service URL",
        token_url in token_urls,
        f"tokenServiceURL {token_url!r}, expected {' or '.join(sorted(u for u in token_urls if u))}",
        "destination property tokenServiceURL = Token Service URL of the OAuth 2.0 Details (seed step 19)",
    )

    # --- the user ------------------------------------------------------------------------------------------
    claims = local.user_claims(login) if local else None
    if local is not None and not report.add(
        "user", f"subaccount user {login} exists", claims is not None, fix=f"create user {login} in the subaccount"
    ):
        return
    name_id: str | None = None
    assertion: str | None = None
    if local is not None and claims is not None:
        try:
            assertion = local.assertion(name, claims)
        except ValueError as exc:
            report.add(
                "name_id",
                "the Destination service can build the user's assertion",
                False,
                str(exc),
                "the user's token must carry the claim named by userIdSource / nameIdFormat (destination "
                "properties userIdSource, nameIdFormat)",
            )
        else:
            name_id = _name_id_of(assertion)
            report.add(
                "name_id", "the Destination service can build the user's assertion", True, passed=f"NameID {name_id!r}"
            )
    if name_id is None and local is None:
        report.add("name_id", "NameID of the user", None, "cannot be seen from outside (needs the user directory)")
    if name_id is not None:
        await _check_mapping(report, s4, system, properties, name_id)

    # --- live: exchange and call ---------------------------------------------------------------------------
    if local is None:
        return  # remote: diagnose() does the live check through the Destination service when it can
    if assertion is None:
        report.add("exchange", "live token exchange", None, "not attempted (no assertion available)")
        return
    await _live(report, properties, assertion, local)


def _name_id_of(encoded: str) -> str:
    import base64

    from lxml import etree

    from trustbridge.saml.constants import SAML, q

    padded = encoded + "=" * (-len(encoded) % 4)
    xml = base64.b64decode(padded, altchars=b"-_") if ("-" in encoded or "_" in encoded) else base64.b64decode(padded)
    root = etree.fromstring(xml)
    element = root.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    return "" if element is None else element.text or ""


async def _check_mapping(
    report: Report, s4: S4Client, system: dict[str, Any], properties: dict[str, str], name_id: str
) -> None:
    mode = system.get("user_id_mapping_mode") or "user_name"
    if properties.get("nameIdFormat") == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress":
        mode = "email"
    field_name, label = {"user_name": ("user_name", "user name"), "email": ("email", "e-mail")}.get(
        mode, ("global_user_id", "Global User ID")
    )
    users = await s4.business_users()
    match = next((u for u in users if u.get(field_name) == name_id), None)
    if match is None:
        near = next((u for u in users if str(u.get(field_name) or "").lower() == name_id.lower()), None)
        detail = f"no business user has the {label} {name_id!r} (mapping mode {mode})"
        if near is not None:
            detail += f"; {near['user_name']} has {near.get(field_name)!r}, which differs only in case"
        report.add(
            "mapping",
            f"the NameID maps to a business user ({label})",
            False,
            detail,
            f"maintain the business user's {label} (= the subaccount user's "
            f"{'user UUID' if field_name == 'global_user_id' else label}) or the User ID Mapping Mode (seed step 9)",
        )
        return
    report.add("mapping", f"the NameID maps to business user {match['user_name']}", True, passed=f"{label} {name_id!r}")
    report.add(
        "business_user_unlocked",
        f"business user {match['user_name']} is not locked",
        not match.get("locked"),
        "the user is locked",
        "unlock it in Maintain Business Users",
    )
    report.add(
        "catalog",
        f"business user {match['user_name']} has the Task Center catalog",
        TASK_CENTER_SCOPE in (match.get("scopes") or []),
        f"its catalogs: {', '.join(match.get('catalogs') or []) or 'none'}",
        "assign a business role with the catalog 'Business Process Management - Task Center' (SAP_CORE_BC_BPM_OINB)",
    )


async def _live(report: Report, properties: dict[str, str], assertion: str, local: LocalAccess) -> None:
    token_url = properties.get("tokenServiceURL") or ""
    user = properties.get("tokenServiceUser") or ""
    password = properties.get("tokenServicePassword") or ""
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer", "assertion": assertion}
    if properties.get("clientKey"):
        form["client_id"] = properties["clientKey"]

    async def call(send: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]) -> tuple[httpx.Response | None, str]:
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                return await send(client), ""
        except httpx.TransportError as exc:
            if local.s4_transport is not None and local.s4_local_url and token_url.startswith(local.s4_local_url):
                async with httpx.AsyncClient(transport=local.s4_transport, timeout=10) as client:
                    return await send(client), " (in-process: the landscape is not being served)"
            return None, f"{type(exc).__name__}: {exc}"

    response, note = await call(lambda c: c.post(token_url, data=form, auth=(user, password)))
    if response is None:
        report.add(
            "exchange",
            "live token exchange",
            False,
            f"the token service at {token_url} cannot be reached: {note}",
            "destination property tokenServiceURL; on BTP, ProxyType Internet cannot reach private endpoints",
        )
        return
    if response.status_code != 200:
        try:
            body = response.json()
            detail = f"HTTP {response.status_code} {body.get('error')}: {body.get('error_description', '')}"
        except ValueError:
            detail = f"HTTP {response.status_code}"
        report.add("exchange", "live token exchange", False, detail, "see the failed checks above")
        return
    token = response.json()
    report.add("exchange", "live token exchange", True, passed=f"scope {token.get('scope')}{note}")
    service = token_url.split("/sap/bc/sec/oauth2/token")[0] + REPLICATION_PATH
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    called, _ = await call(lambda c: c.get(service, headers=headers))
    ok = called is not None and called.status_code == 200
    detail = "" if called is None else f"HTTP {called.status_code}"
    if called is not None and called.status_code >= 400:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            detail += ": " + str(called.json()["error"]["message"])
    report.add(
        "service",
        "the token opens the SPI Task Replication service",
        ok,
        detail,
        "assign the Task Center catalog to the business user (scope OV4:API_TASK_SPI_REPLICATION)",
        passed=detail,
    )
