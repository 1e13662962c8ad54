"""Enveloped XML signature over an assertion: RSA-SHA256, SHA-256 digest, exclusive c14n (XML-DSig 1.1).

Hand-written on lxml's canonicalizer and ``cryptography`` because the profile is fixed and small, and the
general libraries (signxml, python-xmlsec) pay for generality we do not use; the result is checked against
both of them and the ``xmlsec1`` program in the test suite.
"""

from __future__ import annotations

import base64
import copy
import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from trustbridge.saml.constants import DS, ENVELOPED, EXC_C14N, RSA_SHA256, SAML, SHA256, q


def exc_c14n(element: etree._Element) -> bytes:
    """Exclusive XML Canonicalization 1.0 without comments of ``element``'s subtree."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _signature_template() -> etree._Element:
    """The profile's ``ds:Signature`` with its fixed parts; :func:`sign` copies it and fills in the rest."""
    signature = etree.Element(q(DS, "Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, q(DS, "SignedInfo"))
    etree.SubElement(signed_info, q(DS, "CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, q(DS, "SignatureMethod"), Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, q(DS, "Reference"), URI="")
    transforms = etree.SubElement(reference, q(DS, "Transforms"))
    etree.SubElement(transforms, q(DS, "Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, q(DS, "Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, q(DS, "DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, q(DS, "DigestValue"))
    etree.SubElement(signature, q(DS, "SignatureValue"))
    return signature


_SIGNATURE = _signature_template()
_ISSUER = q(SAML, "Issuer")
_PKCS1V15 = padding.PKCS1v15()


def sign(
    assertion: etree._Element,
    key: rsa.RSAPrivateKey,
    *,
    certificate_der: bytes | None = None,
) -> etree._Element:
    """Insert an enveloped signature into ``assertion`` (after its ``Issuer``) and return it.

    ``certificate_der``: put the signing certificate into ``KeyInfo`` (BTP's
    ``includeSigningCertificateInSAMLAssertion``); a verifier must never trust it, only its own copy.
    """
    assertion_id = assertion.get("ID")
    if not assertion_id:
        raise ValueError("the assertion has no ID")
    digest = base64.b64encode(hashlib.sha256(exc_c14n(assertion)).digest()).decode("ascii")

    signature = copy.deepcopy(_SIGNATURE)  # one C-level copy instead of eleven SubElement calls
    signed_info, signature_value = signature
    reference = signed_info[2]
    reference.set("URI", f"#{assertion_id}")
    reference[2].text = digest
    if certificate_der is not None:
        key_info = etree.SubElement(signature, q(DS, "KeyInfo"))
        x509_data = etree.SubElement(key_info, q(DS, "X509Data"))
        etree.SubElement(x509_data, q(DS, "X509Certificate")).text = base64.b64encode(certificate_der).decode()

    position = 0
    for index, child in enumerate(assertion):
        if child.tag == _ISSUER:
            position = index + 1
            break
    assertion.insert(position, signature)
    # SignedInfo is canonicalised in place, so inherited namespaces resolve as a verifier will see them.
    raw = key.sign(exc_c14n(signed_info), _PKCS1V15, hashes.SHA256())
    signature_value.text = base64.b64encode(raw).decode("ascii")
    return assertion


def to_bytes(assertion: etree._Element) -> bytes:
    return etree.tostring(assertion, encoding="utf-8", xml_declaration=False)
