"""The strict profile against the known attacks on XML signatures (each with its exact rejection code)."""

from __future__ import annotations

import base64
import copy
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from trustbridge.saml.constants import DS, RSA_SHA1, SAML, SHA1, q
from trustbridge.saml.signer import exc_c14n
from trustbridge.saml.verifier import AssertionRejected, VerificationPolicy, verify_assertion

from .conftest import USER_UUID, Signer

EVIL = "00000000-evil-0000-0000-000000000000"


def _reject(xml: bytes, signer: Signer, code: str, policy: VerificationPolicy = VerificationPolicy()) -> None:
    with pytest.raises(AssertionRejected) as raised:
        verify_assertion(xml, signer.certificate.public_key(), policy)
    assert raised.value.code == code, raised.value.message


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _evil_copy(original: etree._Element, new_id: str = "_evil") -> etree._Element:
    evil = copy.deepcopy(original)
    evil.set("ID", new_id)
    evil.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}").text = EVIL  # type: ignore[union-attr]
    return evil


def _drop_signature(element: etree._Element) -> etree._Element:
    signature = element.find(q(DS, "Signature"))
    if signature is not None:
        element.remove(signature)
    return element


# --- the eight classic XML Signature Wrapping variants (Somorovsky et al., "On Breaking SAML", 2012) -------
# XSW1/2 wrap a signed *Response*; XSW3–8 a signed *Assertion*. Against a bare-assertion endpoint each
# becomes: the signed original is kept somewhere (so a search-based verifier finds a valid signature) while
# an evil assertion sits where the application reads.


def xsw1(xml: bytes) -> bytes:  # evil Response wrapping: original inside a Response's signature
    original = _tree(xml)
    response = etree.Element(q("urn:oasis:names:tc:SAML:2.0:protocol", "Response"), ID="_r")
    response.append(_drop_signature(_evil_copy(original)))
    response.append(original)
    return etree.tostring(response)


def xsw2(xml: bytes) -> bytes:  # detached: the original as a sibling of the evil assertion in a wrapper
    original = _tree(xml)
    wrapper = etree.Element("Wrapper")
    wrapper.append(_drop_signature(_evil_copy(original)))
    wrapper.append(original)
    return etree.tostring(wrapper)


def xsw3(xml: bytes) -> bytes:  # evil assertion first, keeping the original's ID; original after it
    original = _tree(xml)
    evil = _drop_signature(_evil_copy(original, original.get("ID") or ""))
    evil.append(original)
    return etree.tostring(evil)


def xsw4(xml: bytes) -> bytes:  # evil assertion wraps the original as a child (new ID)
    original = _tree(xml)
    evil = _drop_signature(_evil_copy(original))
    evil.append(original)
    return etree.tostring(evil)


def xsw5(xml: bytes) -> bytes:  # evil assertion carries the original's signature; original appended inside
    original = _tree(xml)
    evil = _evil_copy(original)  # keeps a copy of the signature (Reference → the original's ID)
    evil.append(_tree(xml))
    return etree.tostring(evil)


def xsw6(xml: bytes) -> bytes:  # original moved into the (copied) signature's ds:Object
    original = _tree(xml)
    evil = _evil_copy(original, original.get("ID") or "")
    signature = evil.find(q(DS, "Signature"))
    assert signature is not None
    obj = etree.SubElement(signature, q(DS, "Object"))
    obj.append(original)
    return etree.tostring(evil)


def xsw7(xml: bytes) -> bytes:  # original hidden in an extension point (Advice)
    original = _tree(xml)
    evil = _evil_copy(original)
    advice = etree.SubElement(evil, q(SAML, "Advice"))
    advice.append(original)
    return etree.tostring(evil)


def xsw8(xml: bytes) -> bytes:  # original (without its signature) inside ds:Object of the evil signature
    original = _tree(xml)
    evil = _evil_copy(original)
    signature = evil.find(q(DS, "Signature"))
    assert signature is not None
    obj = etree.SubElement(signature, q(DS, "Object"))
    obj.append(_drop_signature(_tree(xml)))
    return etree.tostring(evil)


@pytest.mark.parametrize(
    ("attack", "code"),
    [
        (xsw1, "not_an_assertion"),
        (xsw2, "not_an_assertion"),
        (xsw3, "several_assertions"),
        (xsw4, "several_assertions"),
        (xsw5, "several_assertions"),
        (xsw6, "several_assertions"),
        (xsw7, "several_assertions"),
        (xsw8, "several_assertions"),
    ],
)
def test_signature_wrapping_variants_are_refused(signer: Signer, attack: object, code: str) -> None:
    _reject(attack(signer.signed()), signer, code)  # type: ignore[operator]


def test_a_moved_signature_is_refused_even_alone(signer: Signer) -> None:
    # evil assertion whose signature is the original's, pointing at an ID no element carries any more
    evil = _evil_copy(_tree(signer.signed()))
    _reject(etree.tostring(evil), signer, "reference_uri")


def test_signature_not_a_direct_child_is_refused(signer: Signer) -> None:
    root = _tree(signer.signed())
    signature = root.find(q(DS, "Signature"))
    assert signature is not None
    root.remove(signature)
    root.find(q(SAML, "Subject")).append(signature)  # type: ignore[union-attr]
    _reject(etree.tostring(root), signer, "signature_placement")


def test_digest_over_one_element_while_another_is_used(signer: Signer) -> None:
    # the Reference names the Subject (given an ID) — the Assertion itself is not covered
    root = _tree(signer.signed())
    root.find(q(SAML, "Subject")).set("ID", "_subject")  # type: ignore[union-attr]
    root.find(f".//{q(DS, 'Reference')}").set("URI", "#_subject")  # type: ignore[union-attr]
    _reject(etree.tostring(root), signer, "reference_uri")


@pytest.mark.parametrize("uri", ["", "#", "#_other", "http://evil.example/a.xml", "#xpointer(/)"])
def test_empty_or_foreign_reference_uri(signer: Signer, uri: str) -> None:
    root = _tree(signer.signed())
    root.find(f".//{q(DS, 'Reference')}").set("URI", uri)  # type: ignore[union-attr]
    _reject(etree.tostring(root), signer, "reference_uri")


def test_duplicate_ids_are_refused(signer: Signer) -> None:
    root = _tree(signer.signed())
    root.find(q(SAML, "Conditions")).set("ID", root.get("ID") or "")  # type: ignore[union-attr]
    _reject(etree.tostring(root), signer, "duplicate_id")


@pytest.mark.parametrize(
    "algorithm",
    [
        "http://www.w3.org/TR/1999/REC-xpath-19991116",
        "http://www.w3.org/TR/1999/REC-xslt-19991116",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ],
)
def test_extra_or_other_transforms_are_refused(signer: Signer, algorithm: str) -> None:
    root = _tree(signer.signed())
    transforms = root.find(f".//{q(DS, 'Transforms')}")
    assert transforms is not None
    etree.SubElement(transforms, q(DS, "Transform"), Algorithm=algorithm)
    _reject(etree.tostring(root), signer, "transforms")


def _resign_sha1(signer: Signer, xml: bytes) -> bytes:
    """A correct RSA-SHA1/SHA-1 signature: refused by default, accepted where a system allows SHA-1."""
    root = _tree(xml)
    signature = root.find(q(DS, "Signature"))
    assert signature is not None
    root.remove(signature)
    digest = base64.b64encode(hashlib.sha1(exc_c14n(root)).digest()).decode()  # noqa: S324
    root.insert(1, signature)
    signature.find(f".//{q(DS, 'SignatureMethod')}").set("Algorithm", RSA_SHA1)  # type: ignore[union-attr]
    signature.find(f".//{q(DS, 'DigestMethod')}").set("Algorithm", SHA1)  # type: ignore[union-attr]
    signature.find(f".//{q(DS, 'DigestValue')}").text = digest  # type: ignore[union-attr]
    signed_info = signature.find(q(DS, "SignedInfo"))
    assert signed_info is not None
    value = signer.key.sign(exc_c14n(signed_info), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    signature.find(q(DS, "SignatureValue")).text = base64.b64encode(value).decode()  # type: ignore[union-attr]
    return etree.tostring(root)


def test_sha1_is_refused_unless_allowed(signer: Signer) -> None:
    xml = _resign_sha1(signer, signer.signed())
    _reject(xml, signer, "sha1_not_allowed")
    assert (
        verify_assertion(xml, signer.certificate.public_key(), VerificationPolicy(allow_sha1=True)).name_id == USER_UUID
    )


def test_unsigned_assertion(signer: Signer) -> None:
    _reject(etree.tostring(_drop_signature(_tree(signer.signed()))), signer, "unsigned")


def test_signature_by_another_key_with_its_certificate_in_keyinfo(signer: Signer, attacker: Signer) -> None:
    # KeyInfo is never trusted: only the communication system's certificate counts
    _reject(attacker.signed(key_info=True), signer, "signature_invalid")


def test_tampered_content_fails_the_digest(signer: Signer) -> None:
    _reject(signer.signed().replace(USER_UUID.encode(), EVIL.encode(), 1), signer, "digest_mismatch")


def test_a_comment_inside_the_name_id_is_refused_not_truncated(signer: Signer) -> None:
    # signed for "<uuid>.evil"; a comment after "<uuid>" would make a naive reader see just "<uuid>"
    xml = signer.signed(name_id=f"{USER_UUID}.evil")
    _reject(xml.replace(f"{USER_UUID}.evil".encode(), f"{USER_UUID}<!---->.evil".encode()), signer, "xml_comment")


@pytest.mark.parametrize(
    "prefix",
    [
        b'<!DOCTYPE a [<!ENTITY e "x">]>',
        b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE a [<!ENTITY a0 "aaaaaaaaaa"><!ENTITY a1 "&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;">]>',
        b'<!DOCTYPE a SYSTEM "http://evil.example/a.dtd">',
    ],
)
def test_dtds_and_entities_are_refused(signer: Signer, prefix: bytes) -> None:
    _reject(prefix + signer.signed(), signer, "xml_dtd")


def test_entity_inside_name_id_is_refused(signer: Signer) -> None:
    xml = signer.signed().replace(USER_UUID.encode(), b"&e;", 1)
    _reject(b'<!DOCTYPE a [<!ENTITY e "' + USER_UUID.encode() + b'">]>' + xml, signer, "xml_dtd")
    _reject(xml, signer, "xml_malformed")  # an undeclared entity is not even well-formed


def test_oversized_input(signer: Signer) -> None:
    xml = signer.signed().replace(b"</saml2:Assertion>", b"<x>" + b"a" * 200_000 + b"</x></saml2:Assertion>")
    _reject(xml, signer, "xml_too_large")


def test_deeply_nested_input(signer: Signer) -> None:
    xml = signer.signed().replace(b"</saml2:Assertion>", b"<x>" * 40 + b"</x>" * 40 + b"</saml2:Assertion>")
    _reject(xml, signer, "xml_too_deep")


def test_too_many_nodes(signer: Signer) -> None:
    xml = signer.signed().replace(b"</saml2:Assertion>", b"<x/>" * 2500 + b"</saml2:Assertion>")
    _reject(xml, signer, "xml_too_many_nodes")


def test_utf16_and_malformed_input(signer: Signer) -> None:
    _reject(signer.signed().decode().encode("utf-16"), signer, "xml_encoding")
    _reject(b"<saml2:Assertion", signer, "xml_malformed")


def test_two_assertions(signer: Signer) -> None:
    root = _tree(signer.signed())
    root.append(_tree(signer.signed()))
    _reject(etree.tostring(root), signer, "several_assertions")


def test_a_saml_response_wrapper_is_refused(signer: Signer) -> None:
    response = etree.Element(q("urn:oasis:names:tc:SAML:2.0:protocol", "Response"))
    response.append(_tree(signer.signed()))
    _reject(etree.tostring(response), signer, "not_an_assertion")


def test_an_object_inside_the_signature_is_refused(signer: Signer) -> None:
    root = _tree(signer.signed())
    etree.SubElement(root.find(q(DS, "Signature")), q(DS, "Object")).text = "x"  # type: ignore[arg-type]
    _reject(etree.tostring(root), signer, "signature_structure")


def test_pretty_printed_signed_assertion_still_verifies(signer: Signer) -> None:
    # whitespace is part of what is signed: a producer that pretty-prints before signing must verify
    from trustbridge.saml.assertion import build_assertion
    from trustbridge.saml.signer import sign

    element = build_assertion(signer.content())
    etree.indent(element)
    xml = etree.tostring(sign(element, signer.key))
    assert verify_assertion(xml, signer.certificate.public_key()).name_id == USER_UUID


def test_a_relative_namespace_uri_is_a_rejection_not_an_error(signer: Signer) -> None:
    xml = signer.signed().replace(b"<saml2:Issuer>", b'<saml2:Issuer xmlns:p="relative">', 1)
    with pytest.raises(AssertionRejected) as raised:
        verify_assertion(xml, signer.certificate.public_key())
    assert raised.value.code in {"c14n", "digest_mismatch", "xml_malformed"}
