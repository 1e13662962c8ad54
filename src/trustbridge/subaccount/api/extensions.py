"""trustbridge's extensions (not in SAP's API): the cockpit's *Download Trust* and a subaccount overview.

*Download Trust* is a link on the cockpit's Destinations page, so it accepts the signed-in cockpit session as
well as the admin's HTTP Basic credentials (scripts, ``trustbridge trust download``); without either it is the
API's 401. The overview is admin-only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from trustbridge.subaccount import trust
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.subaccounts import subaccount_info
from trustbridge.web.sessions import signed_in_user

router = APIRouter()
PEM_MEDIA_TYPE = "application/x-pem-file"


def require_admin_or_cockpit_user(request: Request) -> str:
    """FastAPI dependency: the cockpit session's user, else the API's principal (or its 401)."""
    if "session" in request.scope:  # the cockpit's session middleware is installed
        user = signed_in_user(request)
        if user is not None:
            return user
    return require_principal(request).name


def download_file_name(subdomain: str) -> str:
    """The file name of *Download Trust* (SAP's is UNDOC, research §D; decision in decisions.md)."""
    return f"{subdomain}-destination-trust.pem"


@router.get("/cockpit/destinations/download-trust", dependencies=[Depends(require_admin_or_cockpit_user)])
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


@router.get("/api/subaccount", dependencies=[Depends(require_principal)])
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
