"""Our assertions as BTP forms them; differential checks against python-xmlsec, signxml and xmlsec1."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import xmlsec
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml.algorithms import CanonicalizationMethod

from trustbridge.saml.constants import AC_X509, BEARER, NAMEID_UNSPECIFIED
from trustbridge.saml.verifier import AssertionRejected, verify_assertion

from .conftest import AUDIENCE, ISSUER, RECIPIENT, USER_UUID, Signer


def test_the_assertion_carries_what_btp_sends(signer: Signer) -> None:
    verified = verify_assertion(signer.signed(), signer.certificate.public_key())
    assert verified.issuer == ISSUER
    assert verified.name_id == USER_UUID
    assert verified.name_id_format == NAMEID_UNSPECIFIED
    assert verified.audiences == (AUDIENCE,)
    (confirmation,) = verified.subject_confirmations
    assert confirmation.method == BEARER
    assert confirmation.recipient == RECIPIENT
    assert confirmation.not_on_or_after == verified.not_on_or_after
    assert verified.not_before is not None and verified.not_on_or_after is not None
    assert (verified.not_on_or_after - verified.not_before).total_seconds() == 600
    assert verified.authn_context_class_ref == AC_X509
    assert verified.attributes == {"user_uuid": [USER_UUID], "Groups": ["approvers"]}


def _xmlsec_verify(xml: bytes, pem: bytes) -> None:
    root = etree.fromstring(xml)
    node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatCertPem)
    context.register_id(root, "ID")
    context.verify(node)


def test_python_xmlsec_and_signxml_verify_our_signatures(signer: Signer) -> None:
    xml = signer.signed(key_info=True)
    _xmlsec_verify(xml, signer.pem)
    result = XMLVerifier().verify(xml, x509_cert=signer.pem.decode(), expect_references=1)
    assert result.signed_xml is not None


@pytest.mark.skipif(
    shutil.which("xmlsec1") is None and os.environ.get("CI") != "true",
    reason="xmlsec1 (Debian package xmlsec1) is not installed (CI installs it and never skips)",
)
def test_the_xmlsec1_program_verifies_our_signatures(signer: Signer, tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(signer.signed())
    (tmp_path / "c.pem").write_bytes(signer.pem)
    result = subprocess.run(
        [
            "xmlsec1",
            "--verify",
            "--pubkey-cert-pem",
            str(tmp_path / "c.pem"),
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            str(tmp_path / "a.xml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr


def test_signxml_signatures_in_our_profile_verify_with_ours(signer: Signer) -> None:
    from trustbridge.saml.assertion import build_assertion

    element = build_assertion(signer.content())
    signed = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(element, key=signer.key, cert=signer.pem.decode(), reference_uri=element.get("ID"), id_attribute="ID")
    # signxml appends the signature last; SAML's schema wants it after Issuer — move it there.
    signature = signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    signed.insert(1, signature)
    verified = verify_assertion(etree.tostring(signed), signer.certificate.public_key())
    assert verified.name_id == USER_UUID


def test_python_xmlsec_signatures_in_our_profile_verify_with_ours(signer: Signer) -> None:
    from cryptography.hazmat.primitives import serialization

    from trustbridge.saml.assertion import build_assertion

    element = build_assertion(signer.content())
    template = xmlsec.template.create(element, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256)
    element.insert(1, template)
    reference = xmlsec.template.add_reference(
        template, xmlsec.constants.TransformSha256, uri="#" + str(element.get("ID"))
    )
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    context = xmlsec.SignatureContext()
    context.register_id(element, "ID")
    pem_key = signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    context.key = xmlsec.Key.from_memory(pem_key, xmlsec.constants.KeyDataFormatPem)
    context.sign(template)
    verified = verify_assertion(etree.tostring(element), signer.certificate.public_key())
    assert verified.issuer == ISSUER


def test_all_three_agree_on_a_tampered_assertion(signer: Signer) -> None:
    xml = signer.signed().replace(USER_UUID.encode(), b"someone-else", 1)
    with pytest.raises(AssertionRejected) as ours:
        verify_assertion(xml, signer.certificate.public_key())
    assert ours.value.code == "digest_mismatch"
    with pytest.raises(xmlsec.Error):
        _xmlsec_verify(xml, signer.pem)
    with pytest.raises(Exception, match=r"(?i)digest"):
        XMLVerifier().verify(xml, x509_cert=signer.pem.decode())
