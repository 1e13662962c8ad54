"""SAML 2.0 metadata of the subaccount's trust store (``GET /v1/saml2Metadata``).

SAP's example [SPEC ``components.examples.IdpMetadata``, decoded] is a generic ``EntityDescriptor`` that
"contains only the certificate": an ``SPSSODescriptor`` and an ``IDPSSODescriptor``, each with a
``KeyDescriptor use="signing"`` per certificate (active, then passive if present), no endpoints. trustbridge
builds the same shape and adds the ``entityID`` the SAML metadata schema requires (SAP's example omits it):
the active certificate's CN, which is also the assertions' Issuer (research §B, §D).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.hazmat.primitives import serialization
from lxml import etree
from sqlalchemy.orm import Session

from trustbridge.pki.certificates import subject_cn
from trustbridge.subaccount.trust import ACTIVE, PASSIVE, TrustCertificate, find_certificate, get_certificate

MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
_NSMAP = {"md": MD_NS, "ds": DS_NS}


def _wrapped_base64(der: bytes, width: int = 64) -> str:
    text = base64.b64encode(der).decode("ascii")
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def _key_descriptor(parent: etree._Element, certificate: TrustCertificate) -> None:
    descriptor = etree.SubElement(parent, f"{{{MD_NS}}}KeyDescriptor", use="signing")
    key_info = etree.SubElement(descriptor, f"{{{DS_NS}}}KeyInfo")
    data = etree.SubElement(key_info, f"{{{DS_NS}}}X509Data")
    value = etree.SubElement(data, f"{{{DS_NS}}}X509Certificate")
    value.text = _wrapped_base64(certificate.certificate.public_bytes(serialization.Encoding.DER))


def metadata_xml(entity_id: str, certificates: Sequence[TrustCertificate]) -> bytes:
    """The metadata document (UTF-8, no XML declaration, as SAP's example) for ``certificates`` in order."""
    root = etree.Element(f"{{{MD_NS}}}EntityDescriptor", nsmap=_NSMAP, entityID=entity_id)
    sp = etree.SubElement(
        root, f"{{{MD_NS}}}SPSSODescriptor", AuthnRequestsSigned="true", protocolSupportEnumeration=PROTOCOL
    )
    idp = etree.SubElement(
        root, f"{{{MD_NS}}}IDPSSODescriptor", WantAuthnRequestsSigned="true", protocolSupportEnumeration=PROTOCOL
    )
    for descriptor in (sp, idp):
        for certificate in certificates:
            _key_descriptor(descriptor, certificate)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)


def idp_metadata_base64(entity_id: str, certificates: Sequence[TrustCertificate]) -> str:
    """``idpMetadata`` as the API returns it: standard Base64 of the XML [SPEC ``IdpMetadata``]."""
    return base64.b64encode(metadata_xml(entity_id, certificates)).decode("ascii")


def subaccount_idp_metadata(session: Session) -> str:
    """``idpMetadata`` of the subaccount: active (and passive) certificate; :class:`NotFound` without a key pair."""
    active = get_certificate(session, ACTIVE)
    passive = find_certificate(session, PASSIVE)
    certificates = [active] if passive is None else [active, passive]
    return idp_metadata_base64(subject_cn(active.certificate) or "", certificates)
