"""Service bindings (service keys) of the subaccount's service instances: the OAuth clients of its XSUAA.

BTP hands an application the credentials of a Destination service instance as a binding: ``clientid``,
``clientsecret``, ``url`` (the XSUAA tenant; ``url + /oauth/token`` is the token URL), ``uri`` (the Destination
service), ``identityzone`` (the subaccount's subdomain) and more (research §C, [PYSDK] ``spec/README.md``).
trustbridge serves XSUAA and the Destination service on one base URL, so ``url`` = ``uri`` = that URL.

- ``bootstrap`` creates one binding, ``destination``, for the Destination service (idempotent);
- ``clientid`` has XSUAA's shape for a reuse-service clone: ``sb-clone<32 hex>!b<n>|destination-xsappname!b404``;
- ``clientsecret`` has XSUAA's shape too: ``<uuid>$<44 base64url characters>`` (so clients' escaping is tested);
  it is stored as an argon2id hash (authentication) **and** Fernet-encrypted (so ``trustbridge binding`` can
  print it, as the cockpit shows a service key). The token endpoint never decrypts it.
"""

from __future__ import annotations

import base64
import secrets
import shlex
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound
from trustbridge.pki.encryption import SecretBox
from trustbridge.security.passwords import hash_password, verify_password
from trustbridge.subaccount.models import ServiceBinding
from trustbridge.subaccount.subaccounts import current_subaccount
from trustbridge.subaccount.xsuaa.keys import DEFAULT_TOKEN_VALIDITY, MAX_TOKEN_VALIDITY

DESTINATION_BINDING: Final = "destination"
DESTINATION_SERVICE: Final = "destination"
#: The Destination service's application name in XSUAA (the part after ``|`` of every binding's client ID).
DESTINATION_XSAPPNAME: Final = "destination-xsappname!b404"
#: The keys SAP Cloud SDK for Python requires, in the order it documents them [PYSDK ``config.py``].
BINDING_KEYS: Final = ("clientid", "clientsecret", "url", "uri", "identityzone")
SDK_ENV_PREFIX: Final = "CLOUD_SDK_CFG_DESTINATION_"


@dataclass(frozen=True)
class BindingClient:
    """An authenticated binding (what the token endpoint knows about its client)."""

    clientid: str
    name: str
    token_validity: int


def _client(row: ServiceBinding) -> BindingClient:
    return BindingClient(row.clientid, row.name, row.token_validity)


def new_client_id(xsappname: str = DESTINATION_XSAPPNAME) -> str:
    return f"sb-clone{uuid.uuid4().hex}!b{secrets.randbelow(900000) + 100000}|{xsappname}"


def new_client_secret() -> str:
    return f"{uuid.uuid4()}${base64.urlsafe_b64encode(secrets.token_bytes(32)).decode('ascii')}"


def find_binding(session: Session, name: str) -> ServiceBinding | None:
    subaccount = current_subaccount(session)
    return session.scalars(
        select(ServiceBinding).where(ServiceBinding.subaccount_id == subaccount.id, ServiceBinding.name == name)
    ).first()


def find_client(session: Session, clientid: str) -> BindingClient | None:
    """The binding whose ``clientid`` this is (exact match), or ``None``."""
    row = session.scalars(select(ServiceBinding).where(ServiceBinding.clientid == clientid)).first()
    return _client(row) if row is not None else None


def create_binding(
    session: Session,
    box: SecretBox,
    name: str,
    *,
    service: str = DESTINATION_SERVICE,
    xsappname: str = DESTINATION_XSAPPNAME,
    token_validity: int = DEFAULT_TOKEN_VALIDITY,
) -> ServiceBinding:
    """A new binding with generated credentials."""
    if not 60 <= token_validity <= MAX_TOKEN_VALIDITY:
        raise ValueError(f"token validity must be 60..{MAX_TOKEN_VALIDITY} seconds")
    secret = new_client_secret()
    row = ServiceBinding(
        subaccount_id=current_subaccount(session).id,
        name=name,
        service=service,
        clientid=new_client_id(xsappname),
        clientsecret_hash=hash_password(secret),
        clientsecret_encrypted=box.encrypt_text(secret),
        token_validity=token_validity,
    )
    session.add(row)
    session.flush()
    return row


def ensure_destination_binding(session: Session, box: SecretBox) -> bool:
    """The Destination service's binding ``destination`` (bootstrap); ``True`` when it was created now."""
    if find_binding(session, DESTINATION_BINDING) is not None:
        return False
    create_binding(session, box, DESTINATION_BINDING)
    return True


def authenticate_client(session: Session, clientid: str, clientsecret: str) -> BindingClient | None:
    """The binding when ``clientsecret`` is its secret; one argon2 verification either way (no name probing)."""
    query = select(ServiceBinding).where(ServiceBinding.clientid == clientid)
    row = session.scalars(query).first() if clientid else None
    matches = verify_password(row.clientsecret_hash if row is not None else None, clientsecret)
    return _client(row) if matches and row is not None else None


def binding_credentials(
    session: Session, box: SecretBox, base_url: str, *, name: str = DESTINATION_BINDING
) -> dict[str, str]:
    """The binding as BTP's service key shows it: ``{clientid, clientsecret, url, uri, identityzone}``.

    ``base_url`` is where the subaccount service is reached: SAP Cloud SDK for Python posts to
    ``url + /oauth/token`` and calls ``uri + /destination-configuration/…`` [PYSDK].
    """
    row = find_binding(session, name)
    if row is None:
        raise NotFound(f"Service binding '{name}' does not exist; run 'trustbridge up' to create it")
    base = base_url.rstrip("/")
    return {
        "clientid": row.clientid,
        "clientsecret": box.decrypt_text(row.clientsecret_encrypted),
        "url": base,
        "uri": base,
        "identityzone": current_subaccount(session).subdomain,
    }


def sdk_environment(credentials: dict[str, str], instance: str = "default") -> dict[str, str]:
    """The environment variables SAP Cloud SDK for Python reads for a Destination service instance
    (``CLOUD_SDK_CFG_DESTINATION_<INSTANCE>_<KEY>``, ``-`` in the instance name as ``_``) [PYSDK ``config.py``]."""
    prefix = SDK_ENV_PREFIX + instance.replace("-", "_").upper() + "_"
    return {prefix + key.upper(): credentials[key] for key in BINDING_KEYS}


def sdk_environment_lines(credentials: dict[str, str], instance: str = "default") -> list[str]:
    """``NAME=value`` lines in POSIX shell syntax (values quoted where needed: a client ID holds ``!`` and ``|``,
    a secret ``$``), for ``set -a; . <(trustbridge binding --env); set +a``."""
    return [f"{name}={shlex.quote(value)}" for name, value in sdk_environment(credentials, instance).items()]
