"""*Trust Certificates*: the active and passive key pairs' certificates and their life cycle [CONN-TRUST].

``GET /cockpit/trust`` shows both certificates; the buttons POST to ``/cockpit/trust/generate-passive``,
``/rotate``, ``/delete-passive`` and ``/renew`` — the trust store functions the Destination service API's
``saml2Metadata`` routes call. ``GET /cockpit/trust/{active|passive}/download`` gives a certificate as PEM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trustbridge.errors import DomainError, NotFound
from trustbridge.pki.certificates import CertificateInfo, generate_private_key
from trustbridge.subaccount import trust
from trustbridge.subaccount.api.extensions import PEM_MEDIA_TYPE, download_file_name
from trustbridge.subaccount.cockpit.support import context_of, in_transaction, reading
from trustbridge.subaccount.subaccounts import current_subaccount, subaccount_info
from trustbridge.web.forms import FormState, read_form
from trustbridge.web.pages import Pages
from trustbridge.web.sessions import flash

TITLE = "Trust Certificates"


@dataclass(frozen=True)
class Shown:
    """One certificate as the page lists it."""

    role: str
    info: CertificateInfo


def _certificates(session: Session) -> dict[str, Shown | None]:
    found = {role: trust.find_certificate(session, role) for role in trust.ROLES}
    return {role: Shown(role, cert.info) if cert is not None else None for role, cert in found.items()}


async def _generate(request: Request, role: str) -> None:
    """Generate or renew ``role``'s key pair: the RSA key outside the write transaction (seconds at 4096 bits)."""

    def prepare(session: Session) -> int:
        if role == trust.PASSIVE and trust.find_certificate(session, trust.ACTIVE) is None:
            raise trust.keypair_missing(current_subaccount(session).id)
        return trust.trust_key_size(session)

    key_size = await reading(request, prepare)
    key = await run_in_threadpool(generate_private_key, key_size)
    box = context_of(request).box
    await in_transaction(request, lambda session: trust.install_key_pair(session, box, role, key))


def trust_router(pages: Pages) -> APIRouter:
    router = pages.router("/trust")

    async def render(request: Request, state: FormState | None = None, status_code: int = 200) -> Response:
        certificates = await reading(request, _certificates)
        return pages.render(
            request, "trust.html", status_code=status_code, state=state, title=TITLE, certificates=certificates
        )

    async def act(request: Request, work: Callable[[], Awaitable[object]], done: str) -> Response:
        await read_form(request)
        try:
            await work()
        except DomainError as error:
            state = FormState()
            state.add_domain_error(error, ())
            return await render(request, state, error.status)
        flash(request, done)
        return pages.redirect(pages.url("/trust"))

    @router.get("")
    async def trust_page(request: Request) -> Response:
        return await render(request)

    @router.post("/generate-passive")
    async def generate_passive(request: Request) -> Response:
        return await act(
            request,
            lambda: _generate(request, trust.PASSIVE),
            "Passive certificate generated: upload it to the communication systems, then rotate",
        )

    @router.post("/rotate")
    async def rotate(request: Request) -> Response:
        return await act(
            request,
            lambda: in_transaction(request, trust.rotate),
            "Certificates rotated: the formerly passive certificate signs from now on",
        )

    @router.post("/delete-passive")
    async def delete_passive(request: Request) -> Response:
        return await act(request, lambda: in_transaction(request, trust.delete_passive), "Passive certificate deleted")

    @router.post("/renew")
    async def renew(request: Request) -> Response:
        return await act(
            request,
            lambda: _generate(request, trust.ACTIVE),
            "Trust renewed: the new certificate signs from now on; upload it to the communication systems "
            "(Download Trust)",
        )

    @router.get("/{role}/download")
    async def download(request: Request, role: str) -> Response:
        if role not in trust.ROLES:
            return pages.render(request, "error.html", status_code=404, title=TITLE, message="No such certificate")

        def pem_and_name(session: Session) -> tuple[str, str]:
            certificate = trust.get_certificate(session, role)
            file_name = download_file_name(subaccount_info(session).subdomain)
            if role == trust.PASSIVE:
                file_name = file_name.removesuffix(".pem") + "-passive.pem"
            return certificate.pem, file_name

        try:
            pem, file_name = await reading(request, pem_and_name)
        except NotFound as error:
            return pages.render(request, "error.html", status_code=404, title=TITLE, message=error.message)
        return Response(
            pem, media_type=PEM_MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{file_name}"'}
        )

    return router
