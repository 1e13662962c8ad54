"""The built-in demo landscape: the seed's 19 steps with sample values, and its credentials file.

Secrets are generated on the first ``trustbridge up --demo`` and kept in ``demo-credentials.json`` (mode
0600), so later starts reuse them and the file always holds every secret the demo uses.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trustbridge.config import write_private_file
from trustbridge.landscape.spec import (
    FROM_CERTIFICATE,
    FROM_SUBACCOUNT,
    ArrangementSpec,
    BusinessRoleSpec,
    BusinessUserSpec,
    CommunicationSystemSpec,
    CommunicationUserSpec,
    DestinationSpec,
    InboundUserSpec,
    LandscapeSpec,
    SubaccountUserSpec,
)
from trustbridge.security.passwords import generate_password

CREDENTIALS_FILE = "demo-credentials.json"
COMMUNICATION_USER = "TASKCENTERCOM"
COMMUNICATION_SYSTEM = "BTP_TASK_CENTER"
ARRANGEMENT = "TASKCENTER_SAP_COM_0501"
DESTINATION = "S4HANACloud"
TASK_CENTER_CATALOG = "SAP_CORE_BC_BPM_OINB"
APPROVER_ROLE = "ZTASK_APPROVER"
APPROVER_GROUP = "TaskCenterApprovers"


@dataclass
class DemoUser:
    """A subaccount user (our stand-in for an Identity Authentication user) and the S/4 user it maps to."""

    login: str
    email: str
    password: str
    user_uuid: str
    business_user: str
    task_center: bool = True


@dataclass
class DemoSecrets:
    communication_user_password: str
    users: list[DemoUser] = field(default_factory=list)


def _new_user(login: str, business_user: str, *, task_center: bool) -> DemoUser:
    return DemoUser(
        login=login,
        email=f"{login}@example.com",
        password=generate_password(24),
        user_uuid=str(uuid.uuid4()),
        business_user=business_user,
        task_center=task_center,
    )


def load_or_create_secrets(data_dir: Path) -> DemoSecrets:
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        users = [
            DemoUser(
                login=u["login"],
                email=u["email"],
                password=u["password"],
                user_uuid=u["user_uuid"],
                business_user=u["business_user"],
                task_center=u.get("task_center", True),
            )
            for u in data["subaccount"]["users"]
        ]
        return DemoSecrets(data["s4"]["communication_user_password"], users)
    return DemoSecrets(
        communication_user_password=generate_password(32),
        users=[
            _new_user("approver", "APPROVER", task_center=True),
            _new_user("viewer", "VIEWER", task_center=False),
        ],
    )


def demo_spec(secrets: DemoSecrets) -> LandscapeSpec:
    """Seed steps 1–19 and the destination, as the Task Center mission does them (research §A, §F).

    The subaccount users (IAS users in BTP) carry the UUIDs that the S/4 business users have as Global User ID.
    """
    return LandscapeSpec(
        subaccount_users=tuple(
            SubaccountUserSpec(
                login=u.login,
                email=u.email,
                user_uuid=u.user_uuid,
                first_name=u.login.capitalize(),
                last_name="Demo",
                groups=(APPROVER_GROUP,) if u.task_center else (),
                password=u.password,
            )
            for u in secrets.users
        ),
        communication_users=(
            CommunicationUserSpec(
                COMMUNICATION_USER, "Task Center inbound (SAP_COM_0501)", secrets.communication_user_password
            ),
        ),
        business_roles=(BusinessRoleSpec(APPROVER_ROLE, "Task Center approver", (TASK_CENTER_CATALOG,)),),
        business_users=tuple(
            BusinessUserSpec(
                user_name=u.business_user,
                email=u.email,
                global_user_id=u.user_uuid,
                first_name=u.login.capitalize(),
                last_name="Demo",
                roles=(APPROVER_ROLE,) if u.task_center else (),
            )
            for u in secrets.users
        ),
        communication_systems=(
            CommunicationSystemSpec(
                system_id=COMMUNICATION_SYSTEM,
                system_name="BTP Task Center",
                host_name=None,  # filled from the tenant's public host by demo_spec_for_tenant
                oauth2_idp_enabled=True,
                signing_certificate=FROM_SUBACCOUNT,
                saml_issuer=FROM_CERTIFICATE,
                user_id_mapping_mode="user_uuid",
                inbound_users=(InboundUserSpec(COMMUNICATION_USER, "oauth2"),),
            ),
        ),
        communication_arrangements=(
            ArrangementSpec(ARRANGEMENT, "SAP_COM_0501", COMMUNICATION_SYSTEM, authentication_method="oauth2"),
        ),
        destinations=(
            DestinationSpec(
                DESTINATION,
                from_arrangement=ARRANGEMENT,
                properties={
                    "tc.enabled": "true",
                    "tc.provider_type": "S/4HANACloud",
                    "URL.queries.sap-client": "100",
                    "userIdSource": "user_uuid",
                },
            ),
        ),
    )


def with_host_name(spec: LandscapeSpec, host_name: str) -> LandscapeSpec:
    """Seed step 6: the Host Name is the S/4 tenant's own host (``myXXXXXX.s4hana.ondemand.com``)."""
    systems = tuple(
        CommunicationSystemSpec(**{**asdict_shallow(s), "host_name": host_name}) for s in spec.communication_systems
    )
    return LandscapeSpec(**{**asdict_shallow(spec), "communication_systems": systems})


def asdict_shallow(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def write_credentials(
    data_dir: Path,
    secrets: DemoSecrets,
    *,
    subaccount: dict[str, Any],
    s4: dict[str, Any],
    binding: dict[str, str] | None = None,
) -> Path:
    """``demo-credentials.json`` (0600): every secret the demo landscape generated or uses.

    ``binding`` = the Destination service binding ``{clientid, clientsecret, url, uri, identityzone}``
    (``subaccount.binding``).
    """
    content = {
        "subaccount": {
            **subaccount,
            "users": [asdict(u) for u in secrets.users],
            **({"binding": binding} if binding is not None else {}),
        },
        "s4": {
            **s4,
            "communication_user": COMMUNICATION_USER,
            "communication_user_password": secrets.communication_user_password,
            "communication_system": COMMUNICATION_SYSTEM,
            "communication_arrangement": ARRANGEMENT,
        },
        "destination": DESTINATION,
    }
    path = data_dir / CREDENTIALS_FILE
    write_private_file(path, json.dumps(content, indent=2) + "\n")
    return path
