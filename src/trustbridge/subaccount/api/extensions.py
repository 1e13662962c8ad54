"""trustbridge's extensions (not in SAP's API): the cockpit's *Download Trust* and a subaccount overview."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from trustbridge.subaccount import trust
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.subaccounts import subaccount_info

router = APIRouter(dependencies=[Depends(require_principal)])
PEM_MEDIA_TYPE = "application/x-pem-file"


def download_file_name(subdomain: str) -> str:
    """The file name of *Download Trust* (SAP's is UNDOC, research §D; decision in decisions.md)."""
    return f"{subdomain}-destination-trust.pem"


@router.get("/cockpit/destinations/download-trust")
def download_trust(context: ServiceContext = Depends(get_context)) -> Response:
    """Seed step 1: the active trust certificate as a ``.pem`` attachment [CONN-TRUST "Export"]."""
    with context.db.read() as session:
        pem = trust.download_pem(session)
        subdomain = subaccount_info(session).subdomain
    return Response(
        pem,
        media_type=PEM_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{download_file_name(subdomain)}"'},
    )


@router.get("/api/subaccount")
def describe_subaccount(context: ServiceContext = Depends(get_context)) -> dict[str, object]:
    """``{id, subdomain, region, trust: {active, passive}}`` (``docs/api.md``)."""
    with context.db.read() as session:
        info = subaccount_info(session)
        active = trust.find_certificate(session, trust.ACTIVE)
        passive = trust.find_certificate(session, trust.PASSIVE)
    return {
        "id": info.id,
        "subdomain": info.subdomain,
        "region": info.region,
        "trust": {
            "active": active.as_dict() if active is not None else None,
            "passive": passive.as_dict() if passive is not None else None,
        },
    }
