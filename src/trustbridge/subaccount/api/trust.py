"""``/destination-configuration/v1/saml2Metadata…``: the trust store as SAP's Destination service exposes it [SPEC]."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from trustbridge.pki.certificates import generate_private_key
from trustbridge.subaccount import trust
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.bodies import require_empty_body
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.metadata import subaccount_idp_metadata
from trustbridge.subaccount.subaccounts import current_subaccount

router = APIRouter(prefix="/destination-configuration/v1/saml2Metadata", dependencies=[Depends(require_principal)])


def _generate_or_renew(context: ServiceContext, role: str) -> trust.TrustCertificate:
    """Generate the RSA key outside the write transaction (seconds at 4096 bits), then store it in one."""
    with context.db.read() as session:
        key_size = trust.trust_key_size(session)
        if role == trust.PASSIVE and trust.find_certificate(session, trust.ACTIVE) is None:
            raise trust.keypair_missing(current_subaccount(session).id)
    key = generate_private_key(key_size)
    with context.db.transaction() as session:
        return trust.install_key_pair(session, context.box, role, key)


@router.get("")
def get_idp_metadata(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    """``{"idpMetadata": base64(EntityDescriptor)}``; 404 without a key pair."""
    with context.db.read() as session:
        return {"idpMetadata": subaccount_idp_metadata(session)}


@router.get("/certificate")
def get_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    with context.db.read() as session:
        return {"certificate": trust.get_certificate(session, trust.ACTIVE).pem}


@router.post("/certificate", dependencies=[Depends(require_empty_body)])
def generate_or_renew_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    """Generate the active key pair, or renew it: the new key signs from now on [CONN-TRUST]."""
    return {"certificate": _generate_or_renew(context, trust.ACTIVE).pem}


@router.get("/certificate/passive")
def get_passive_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    with context.db.read() as session:
        return {"certificate": trust.get_certificate(session, trust.PASSIVE).pem}


@router.post("/certificate/passive", dependencies=[Depends(require_empty_body)])
def generate_or_renew_passive_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    return {"certificate": _generate_or_renew(context, trust.PASSIVE).pem}


@router.delete("/certificate/passive")
def delete_passive_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, int]:
    with context.db.transaction() as session:
        trust.delete_passive(session)
    return {"Count": 1}


@router.post("/rotateCertificate", dependencies=[Depends(require_empty_body)])
def rotate_certificate(context: ServiceContext = Depends(get_context)) -> dict[str, str]:
    """Swap active ⇄ passive; 404 *Passive Keypair … does not exist* without a passive pair [SPEC]."""
    with context.db.transaction() as session:
        rotation = trust.rotate(session)
    return {"activeCertificate": rotation.active.pem, "passiveCertificate": rotation.passive.pem}
