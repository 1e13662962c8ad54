"""The optimised verifier against the original one (``reference_verifier.py``): same claims or same rejection.

The optimised verifier takes shortcuts — a byte template for the profile's SignedInfo, one walk of the tree
for the document rules, a byte-level test for the uniqueness of the ID, a byte bound for the node cap — each
backed by the element-by-element checks. These tests generate assertions that go down every path (valid and
broken signatures, other prefixes, parameters, whitespace, SHA-1, comments, duplicates, moved and extra
elements, odd attribute values) and require the exact same outcome from both: equal claims, or the same
rejection code and message. One difference is deliberate and tested as such (the last test): the parser now
refuses a document that libxml2 did not read as UTF-8.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import random
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from trustbridge.saml import verifier as optimised
from trustbridge.saml.constants import DS, ENVELOPED, EXC_C14N, EXC_C14N_NS, RSA_SHA1, RSA_SHA256, SAML, SHA1, SHA256

from . import reference_verifier as reference
from .conftest import Signer

XML_NS = "http://www.w3.org/XML/1998/namespace"
Outcome = tuple[str, object, object]


def _outcome_optimised(xml: bytes, key: rsa.RSAPublicKey, allow_sha1: bool) -> Outcome:
    try:
        verified = optimised.verify_assertion(xml, key, optimised.VerificationPolicy(allow_sha1=allow_sha1))
    except optimised.AssertionRejected as rejected:
        if rejected.code == "c14n":  # libxml2 cannot canonicalise (a relative namespace URI): now a rejection
            return ("c14n_error", None, None)
        return ("rejected", rejected.code, rejected.message)
    return ("verified", dataclasses.asdict(verified), None)


def _outcome_reference(xml: bytes, key: rsa.RSAPublicKey, allow_sha1: bool) -> Outcome:
    try:
        verified = reference.verify_assertion(xml, key, reference.VerificationPolicy(allow_sha1=allow_sha1))
    except reference.AssertionRejected as rejected:
        return ("rejected", rejected.code, rejected.message)
    except etree.C14NError:  # the reference raised; the verifier under test rejects (code "c14n")
        return ("c14n_error", None, None)
    return ("verified", dataclasses.asdict(verified), None)


def assert_same(xml: bytes, key: rsa.RSAPublicKey) -> Outcome:
    """Both verifiers, both policies: the same outcome. Returns the default policy's."""
    for allow_sha1 in (False, True):
        ours, theirs = _outcome_optimised(xml, key, allow_sha1), _outcome_reference(xml, key, allow_sha1)
        assert ours == theirs, (allow_sha1, xml)
    return _outcome_optimised(xml, key, False)


# --- building variants ----------------------------------------------------------------------------------


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def resign(root: etree._Element, key: rsa.RSAPrivateKey, *, digest: bool = True) -> None:
    """Recompute DigestValue and SignatureValue of ``root``'s signature after its content or shape changed.

    Follows what the SignedInfo says (SHA-1 or SHA-256, InclusiveNamespaces), so that odd but correctly signed
    shapes reach the later checks instead of failing the signature. ``digest=False``: SignatureValue only.
    """
    signature = root.find(_ds("Signature"))
    if signature is None:
        return
    signed_info = signature.find(_ds("SignedInfo"))
    value = signature.find(_ds("SignatureValue"))
    if signed_info is None or value is None:
        return
    digest_method = signed_info.find(f"{_ds('Reference')}/{_ds('DigestMethod')}")
    digest_value = signed_info.find(f"{_ds('Reference')}/{_ds('DigestValue')}")
    transform = signed_info.find(f"{_ds('Reference')}/{_ds('Transforms')}/{_ds('Transform')}[2]")
    if digest and digest_method is not None and digest_value is not None:
        hash_function = hashlib.sha1 if digest_method.get("Algorithm") == SHA1 else hashlib.sha256
        unsigned = copy.deepcopy(root)
        copied = unsigned.find(_ds("Signature"))
        assert copied is not None
        reference._detach_keeping_tail(copied)
        canonical = etree.tostring(
            unsigned, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=_prefixes(transform)
        )
        digest_value.text = base64.b64encode(hash_function(canonical).digest()).decode()
    method = signed_info.find(_ds("SignatureMethod"))
    sha1 = method is not None and method.get("Algorithm") == RSA_SHA1
    algorithm = hashes.SHA1() if sha1 else hashes.SHA256()  # noqa: S303 - the profile's SHA-1 variant
    canonical_info = etree.tostring(
        signed_info,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=_prefixes(signed_info.find(_ds("CanonicalizationMethod"))),
    )
    value.text = base64.b64encode(key.sign(canonical_info, padding.PKCS1v15(), algorithm)).decode()


def _prefixes(method: etree._Element | None) -> list[str] | None:
    if method is None:
        return None
    inclusive = method.find(f"{{{EXC_C14N_NS}}}InclusiveNamespaces")
    if inclusive is None:
        return None
    return [p for p in (inclusive.get("PrefixList") or "").split() if p != "#default"] or None


def _base_variants(signer: Signer) -> dict[str, bytes]:
    plain = signer.signed()
    variants = {
        "plain": plain,
        "key_info": signer.signed(key_info=True),
        "prefix_dsig": plain.replace(b"ds:", b"dsig:").replace(b"xmlns:ds=", b"xmlns:dsig="),
        "default_ns": plain.replace(b"ds:", b"").replace(b"xmlns:ds=", b"xmlns="),
        "saml_prefix": plain.replace(b"saml2:", b"saml:").replace(b"xmlns:saml2=", b"xmlns:saml="),
    }
    from trustbridge.saml.assertion import build_assertion
    from trustbridge.saml.signer import sign

    element = build_assertion(signer.content())
    etree.indent(element)
    variants["pretty"] = etree.tostring(sign(element, signer.key))
    pretty_signature = etree.fromstring(plain)
    etree.indent(pretty_signature)
    variants["pretty_signature"] = etree.tostring(pretty_signature)
    sha1 = etree.fromstring(plain)
    sha1.find(f".//{_ds('SignatureMethod')}").set("Algorithm", RSA_SHA1)  # type: ignore[union-attr]
    sha1.find(f".//{_ds('DigestMethod')}").set("Algorithm", SHA1)  # type: ignore[union-attr]
    variants["sha1"] = etree.tostring(sha1)
    inclusive = etree.fromstring(plain)
    for path in (f".//{_ds('CanonicalizationMethod')}", f".//{_ds('Transform')}[2]"):
        parent = inclusive.find(path)
        assert parent is not None
        etree.SubElement(parent, f"{{{EXC_C14N_NS}}}InclusiveNamespaces", PrefixList="saml2 #default")
    variants["inclusive_namespaces"] = etree.tostring(inclusive)
    resigned = {}
    for name, xml in variants.items():
        root = etree.fromstring(xml)
        resign(root, signer.key)
        resigned[name] = etree.tostring(root)
    return resigned


@pytest.fixture(scope="module")
def bases(signer: Signer) -> dict[str, bytes]:
    return _base_variants(signer)


def test_every_base_variant_verifies_alike(signer: Signer, bases: dict[str, bytes]) -> None:
    for name, xml in bases.items():
        outcome = assert_same(xml, signer.certificate.public_key())
        expected = "verified" if name != "sha1" else "rejected"  # SHA-1 only where the policy allows it
        assert outcome[0] == expected, (name, outcome)


def test_the_fast_path_is_taken_for_our_own_signatures(signer: Signer) -> None:
    # not a timing test: the profile's SignedInfo is recognised from its canonical bytes
    root = etree.fromstring(signer.signed())
    signed_info = root.find(f"{_ds('Signature')}/{_ds('SignedInfo')}")
    assert signed_info is not None
    canonical = optimised._exc_c14n(signed_info, None)
    assert optimised._canonical_profile_digest(canonical, signed_info.prefix, root.get("ID") or "") is not None
    # and a SignedInfo the template does not describe is left to the element-by-element checks
    other = canonical.replace(b"rsa-sha256", b"rsa-sha512")
    assert optimised._canonical_profile_digest(other, signed_info.prefix, root.get("ID") or "") is None


# --- mutations -------------------------------------------------------------------------------------------

ATTRIBUTE_NAMES = [
    "ID",
    "Id",
    "id",
    f"{{{XML_NS}}}id",
    "Algorithm",
    "URI",
    "Version",
    "IssueInstant",
    "NotBefore",
    "NotOnOrAfter",
    "Method",
    "Recipient",
    "Name",
    "PrefixList",
    "Format",
    "InResponseTo",
    f"{{{DS}}}Algorithm",
]
ATTRIBUTE_VALUES = [
    "",
    "x",
    "2.0",
    "1.1",
    EXC_C14N,
    ENVELOPED,
    RSA_SHA256,
    RSA_SHA1,
    SHA256,
    SHA1,
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.123+01:00",
    "2026-01-01T00:00:00",
    "yesterday",
    "saml2 #default",
    "ds xs",
]
TEXTS = [
    "",
    "   ",
    "evil",
    "not base64!",
    base64.b64encode(b"\x00" * 32).decode(),
    "  " + base64.b64encode(b"\x01" * 32).decode() + "\n",
    base64.b64encode(b"\x02" * 20).decode(),
    "a&b<c>",
]
NEW_ELEMENTS = [
    f"{{{EXC_C14N_NS}}}InclusiveNamespaces",
    _ds("Object"),
    _ds("Signature"),
    _ds("Transform"),
    _ds("KeyInfo"),
    f"{{{SAML}}}Advice",
    f"{{{SAML}}}Assertion",
    f"{{{SAML}}}EncryptedAssertion",
    f"{{{SAML}}}Issuer",
    f"{{{SAML}}}NameID",
    f"{{{SAML}}}SubjectConfirmation",
    f"{{{SAML}}}SubjectConfirmationData",
    f"{{{SAML}}}AudienceRestriction",
    f"{{{SAML}}}Audience",
    f"{{{SAML}}}AuthnContext",
    f"{{{SAML}}}AuthnContextClassRef",
    f"{{{SAML}}}Attribute",
    f"{{{SAML}}}AttributeValue",
    "{urn:other}Signature",
    "plain",
]

Mutation = Callable[[etree._Element, random.Random, str], None]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _pick(root: etree._Element, rng: random.Random, *, not_root: bool = False) -> etree._Element | None:
    elements = _elements(root)[1:] if not_root else _elements(root)
    return rng.choice(elements) if elements else None


def m_drop(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng, not_root=True)
    if element is not None and element.getparent() is not None:
        element.getparent().remove(element)  # type: ignore[union-attr]


def m_duplicate(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng, not_root=True)
    if element is not None:
        element.addnext(copy.deepcopy(element))


def m_move(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng, not_root=True)
    target = _pick(root, rng)
    if element is None or target is None or target is element or element in target.iterancestors():
        return
    target.insert(rng.randrange(len(target) + 1), element)


def m_attribute(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is not None:
        value = rng.choice([*ATTRIBUTE_VALUES, assertion_id, "#" + assertion_id])
        element.set(rng.choice(ATTRIBUTE_NAMES), value)


def m_unattribute(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is not None and element.attrib:
        del element.attrib[rng.choice(list(element.attrib))]


def m_text(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is not None:
        element.text = rng.choice([*TEXTS, assertion_id])


def m_tail(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng, not_root=True)
    if element is not None:
        element.tail = rng.choice(["\n  ", "x", ""])


def m_comment_or_pi(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    node = etree.Comment("c") if rng.random() < 0.5 else etree.ProcessingInstruction("pi", "x")
    where = rng.random()
    if where < 0.15:
        root.addprevious(node)
    elif where < 0.3:
        root.addnext(node)
    else:
        element = _pick(root, rng)
        if element is not None:
            element.insert(rng.randrange(len(element) + 1), node)


def m_child(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is None:
        return
    child = etree.Element(rng.choice(NEW_ELEMENTS))
    if child.tag.endswith("InclusiveNamespaces"):
        child.set("PrefixList", rng.choice(["saml2", "#default", "ds saml2 xs", ""]))
    elif rng.random() < 0.5:
        child.text = rng.choice([*TEXTS, assertion_id])
    element.insert(rng.randrange(len(element) + 1), child)


def m_deep(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is None:
        return
    for _ in range(rng.choice([5, 18, 22, 23, 24, 30])):
        element = etree.SubElement(element, "d")


def m_many(root: etree._Element, rng: random.Random, assertion_id: str) -> None:
    element = _pick(root, rng)
    if element is not None:
        for _ in range(rng.choice([10, 400, 700, 1100, 2100])):
            etree.SubElement(element, "n")


MUTATIONS: list[Mutation] = [
    m_drop,
    m_duplicate,
    m_move,
    m_attribute,
    m_unattribute,
    m_text,
    m_tail,
    m_comment_or_pi,
    m_child,
    m_deep,
    m_many,
]
BYTE_PREFIXES = [b"", b"", b"", b"<?xml version='1.0' encoding='UTF-8'?>\n", b'<!DOCTYPE a [<!ENTITY e "x">]>']


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    base=st.sampled_from(
        [
            "plain",
            "key_info",
            "prefix_dsig",
            "default_ns",
            "saml_prefix",
            "pretty",
            "pretty_signature",
            "sha1",
            "inclusive_namespaces",
        ]
    ),
    mutations=st.lists(st.tuples(st.integers(0, len(MUTATIONS) - 1), st.integers(0, 2**32)), max_size=3),
    resign_after=st.booleans(),
    prefix=st.sampled_from(BYTE_PREFIXES),
)
def test_mutated_assertions_get_the_same_answer(
    signer: Signer,
    bases: dict[str, bytes],
    base: str,
    mutations: list[tuple[int, int]],
    resign_after: bool,
    prefix: bytes,
) -> None:
    root = etree.fromstring(bases[base])
    assertion_id = root.get("ID") or ""
    for index, seed in mutations:
        MUTATIONS[index](root, random.Random(seed), assertion_id)
    if resign_after:
        resign(root, signer.key)
    assert_same(prefix + etree.tostring(root), signer.certificate.public_key())


@pytest.mark.parametrize(
    "replace",
    [
        (b'Version="2.0"', b'Version="2.0" Id="&#95;x"'),  # a "&" in the document: the exact ID count
        (b"<saml2:Issuer>", b"<saml2:Issuer>a&amp;b "),
        (b"</saml2:Assertion>", b"<!--c--></saml2:Assertion>"),
        (b"</saml2:Assertion>", b"<?pi x?></saml2:Assertion>"),
        (b"</saml2:Assertion>", b"</saml2:Assertion><!--after-->"),
        (b"<saml2:Assertion ", b"<?pi before?><saml2:Assertion "),
        # a relative namespace URI: libxml2's c14n refuses the document (C14NError, where it did before)
        (b"<saml2:Issuer>", b'<saml2:Issuer xmlns:r="relative">'),
        (b"<ds:SignatureMethod ", b'<ds:SignatureMethod xmlns:r="relative" '),
        # ... and with a broken SignedInfo too: the structure's code first, as before
        (b'<ds:CanonicalizationMethod Algorithm="', b'<ds:CanonicalizationMethod xmlns:r="relative" Algorithm="x'),
    ],
)
def test_edge_documents_get_the_same_answer(signer: Signer, replace: tuple[bytes, bytes]) -> None:
    for xml in (signer.signed(), signer.signed(key_info=True)):
        mutated = xml.replace(*replace, 1)
        assert mutated != xml
        assert_same(mutated, signer.certificate.public_key())
        root = etree.fromstring(mutated)
        try:
            resign(root, signer.key)
        except etree.C14NError:
            continue  # nothing can sign it either
        assert_same(etree.tostring(root), signer.certificate.public_key())


def test_a_duplicate_id_hidden_behind_a_character_reference(signer: Signer) -> None:
    root = etree.fromstring(signer.signed())
    assertion_id = root.get("ID") or ""
    xml = etree.tostring(root).replace(
        b"<saml2:Issuer>", f'<saml2:Issuer Id="&#{ord(assertion_id[0])};{assertion_id[1:]}">'.encode(), 1
    )
    outcome = assert_same(xml, signer.certificate.public_key())
    assert outcome[:2] == ("rejected", "duplicate_id")


def _same_length_other_id(assertion_id: str) -> str:
    return assertion_id[:-1] + ("a" if assertion_id[-1] != "a" else "b")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # a Reference to another ID of the same length: the byte template must compare the ID itself
        (
            lambda root: root.find(f".//{_ds('Reference')}").set("URI", "#" + _same_length_other_id(root.get("ID"))),
            "reference_uri",
        ),
        (lambda root: root.set("ID", "1" + root.get("ID")[1:]), "bad_id"),
        (
            lambda root: root.find(f"{{{SAML}}}Subject").remove(root.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")),
            "no_name_id",
        ),
        (lambda root: root.find(f".//{_ds('SignatureMethod')}").set("Algorithm", RSA_SHA256 + "x"), "algorithm"),
        (lambda root: root.find(f".//{_ds('DigestMethod')}").set("Algorithm", SHA256 + "x"), "algorithm"),
        (lambda root: root.find(f".//{_ds('Transform')}").set("Algorithm", EXC_C14N), "transforms"),
        (lambda root: root.find(f".//{_ds('CanonicalizationMethod')}").set("Algorithm", ENVELOPED), "algorithm"),
        (
            lambda root: root.find(f".//{_ds('SignatureMethod')}").append(etree.Element(_ds("HMACOutputLength"))),
            "signature_structure",
        ),
        (lambda root: root.find(f".//{_ds('DigestValue')}").set("Extra", "1"), None),  # not in the profile's checks
        (lambda root: root.find(f".//{_ds('SignedInfo')}").set("Id", "si"), None),
        (lambda root: root.find(_ds("Signature")).set("Id", "sig"), None),
    ],
)
def test_resigned_changes_get_the_same_answer(
    signer: Signer, change: Callable[[etree._Element], object], code: str | None
) -> None:
    root = etree.fromstring(signer.signed())
    change(root)
    resign(root, signer.key)
    outcome = assert_same(etree.tostring(root), signer.certificate.public_key())
    assert outcome[:2] == (("verified", outcome[1]) if code is None else ("rejected", code))


def test_a_wrapper_gets_the_same_answer(signer: Signer) -> None:
    wrapper = etree.Element("Wrapper")
    wrapper.append(etree.fromstring(signer.signed()))
    assert assert_same(etree.tostring(wrapper), signer.certificate.public_key())[:2] == ("rejected", "not_an_assertion")


@pytest.mark.parametrize(
    "text",
    [
        lambda digest: digest + "QUJD",  # a correct digest and more: the wrong length, not the first 32 bytes
        lambda digest: "QUJD" + digest,
        lambda digest: digest[:-1] + "A",
        lambda digest: digest[:-2] + "==",
        lambda digest: digest.replace("=", ""),
        lambda digest: digest + "\n",
        lambda digest: " " + digest,
        lambda digest: digest[:20] + "\n" + digest[20:],
        lambda digest: base64.b64encode(base64.b64decode(digest)[:20]).decode(),
    ],
)
def test_signed_digest_values_of_other_shapes_get_the_same_answer(signer: Signer, text: Callable[[str], str]) -> None:
    root = etree.fromstring(signer.signed())
    digest_value = root.find(f".//{_ds('DigestValue')}")
    assert digest_value is not None and digest_value.text
    digest_value.text = text(digest_value.text)
    resign(root, signer.key, digest=False)  # the signature covers the changed DigestValue
    assert_same(etree.tostring(root), signer.certificate.public_key())


def test_the_one_deliberate_difference_a_long_xml_declaration(signer: Signer) -> None:
    # The original parser checked the declared encoding in the first 100 bytes only, so a longer declaration
    # could make libxml2 read the document as Latin-1 or UTF-7. The parser now checks what libxml2 decoded
    # with; everything else (above) answers exactly as before.
    declaration = b'<?xml version="1.0"' + b" " * 100 + b'encoding="ISO-8859-1"?>'
    xml = declaration + signer.signed()
    assert _outcome_reference(xml, signer.certificate.public_key(), False)[0] == "verified"
    assert _outcome_optimised(xml, signer.certificate.public_key(), False)[:2] == ("rejected", "xml_encoding")
