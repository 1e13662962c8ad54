"""The verifier as it was before the performance work (commit 3912b16), kept verbatim as a test oracle.

``test_differential.py`` checks that :mod:`trustbridge.saml.verifier` gives the same answer — the same claims,
or the same rejection code and message — on every input it generates. The two modules (hardened parser,
verifier) are merged into this one file; their code is otherwise unchanged. Not for use outside the tests.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from trustbridge.saml.constants import (
    DS,
    ENVELOPED,
    EXC_C14N,
    EXC_C14N_NS,
    RSA_SHA1,
    RSA_SHA256,
    SAML,
    SHA1,
    SHA256,
    q,
)

# --- trustbridge/saml/parser.py -------------------------------------------------------------------------

MAX_BYTES = 128 * 1024
MAX_DEPTH = 24
MAX_NODES = 2000


class XMLRejected(ValueError):
    """The input is not XML we are willing to read; ``code`` says which rule it broke."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    remove_pis=False,
    collect_ids=False,
)


def parse_untrusted(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse ``data`` under the hardened profile and return the root element."""
    if len(data) > max_bytes:
        raise XMLRejected("too_large", f"the XML document has {len(data)} bytes; at most {max_bytes} are accepted")
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")) or b"\x00" in data[:4]:
        raise XMLRejected("encoding", "the XML document must be UTF-8")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XMLRejected("dtd", "the XML document contains a DTD; DTDs and entities are not accepted")
    head = data[:100].lower()
    if head.startswith(b"<?xml") and b"encoding" in head.split(b"?>")[0]:
        declaration = head.split(b"?>")[0]
        if b"utf-8" not in declaration and b"utf8" not in declaration:
            raise XMLRejected("encoding", "the XML document must be UTF-8")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XMLRejected("malformed", f"the XML document is not well-formed: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XMLRejected("dtd", "the XML document contains a DTD; DTDs and entities are not accepted")
    _check_shape(root)
    return root


# Evaluated in C by libxml2: far cheaper than walking the tree from Python.
_TOO_DEEP = etree.XPath("boolean(/" + "/*" * (MAX_DEPTH + 1) + ")")
_NODE_COUNT = etree.XPath("count(//node() | //@*)")


def _check_shape(root: etree._Element) -> None:
    if _TOO_DEEP(root):
        raise XMLRejected("too_deep", f"the XML document is nested deeper than {MAX_DEPTH} levels")
    nodes = _NODE_COUNT(root)
    if isinstance(nodes, float) and nodes > MAX_NODES:
        raise XMLRejected("too_many_nodes", f"the XML document has more than {MAX_NODES} nodes")


# --- trustbridge/saml/verifier.py -----------------------------------------------------------------------

# Clark-notation tags, computed once.
_ASSERTION = q(SAML, "Assertion")
_ENCRYPTED_ASSERTION = q(SAML, "EncryptedAssertion")
_SIGNATURE = q(DS, "Signature")
_C14N_METHOD = q(DS, "CanonicalizationMethod")
_SIGNATURE_METHOD = q(DS, "SignatureMethod")
_TRANSFORM = q(DS, "Transform")
_INCLUSIVE = q(EXC_C14N_NS, "InclusiveNamespaces")
_S = {
    name: q(SAML, name)
    for name in (
        "Issuer",
        "Subject",
        "NameID",
        "SubjectConfirmation",
        "SubjectConfirmationData",
        "Conditions",
        "AudienceRestriction",
        "Audience",
        "AuthnStatement",
        "AttributeStatement",
        "Attribute",
        "AttributeValue",
    )
}
_AUTHN_CONTEXT_CLASS_REF = f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}"
_HAS_COMMENT_OR_PI = etree.XPath("boolean(//comment() | //processing-instruction())")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,255}$")


class AssertionRejected(ValueError):
    """The assertion does not pass; ``code`` is a stable reason (logged), ``message`` tells an administrator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerificationPolicy:
    allow_sha1: bool = False

    @property
    def signature_algorithms(self) -> dict[str, hashes.HashAlgorithm]:
        allowed: dict[str, hashes.HashAlgorithm] = {RSA_SHA256: hashes.SHA256()}
        if self.allow_sha1:
            allowed[RSA_SHA1] = hashes.SHA1()  # noqa: S303 - only where a system explicitly allows it
        return allowed

    @property
    def digest_algorithms(self) -> dict[str, str]:
        allowed = {SHA256: "sha256"}
        if self.allow_sha1:
            allowed[SHA1] = "sha1"
        return allowed


@dataclass(frozen=True)
class SubjectConfirmation:
    method: str
    recipient: str | None
    not_before: dt.datetime | None
    not_on_or_after: dt.datetime | None
    in_response_to: str | None


@dataclass(frozen=True)
class VerifiedAssertion:
    """Claims read from the canonical bytes the signature's digest covers."""

    assertion_id: str
    issue_instant: dt.datetime
    issuer: str
    name_id: str
    name_id_format: str | None
    name_qualifier: str | None
    subject_confirmations: tuple[SubjectConfirmation, ...]
    not_before: dt.datetime | None
    not_on_or_after: dt.datetime | None
    audiences: tuple[str, ...]
    authn_context_class_ref: str | None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    signature_algorithm: str = RSA_SHA256


def verify_assertion(
    xml: bytes, public_key: rsa.RSAPublicKey, policy: VerificationPolicy = VerificationPolicy()
) -> VerifiedAssertion:
    """Verify ``xml`` under the strict profile with ``public_key``; raise :class:`AssertionRejected`."""
    try:
        root = parse_untrusted(xml)
    except XMLRejected as exc:
        raise AssertionRejected(f"xml_{exc.code}", str(exc)) from None
    if root.tag != _ASSERTION:
        local = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise AssertionRejected(
            "not_an_assertion", f"the document is a {local} element, not exactly one saml2:Assertion"
        )
    if sum(1 for _ in root.iter(_ASSERTION, _ENCRYPTED_ASSERTION)) != 1:
        raise AssertionRejected("several_assertions", "the document contains more than one assertion")
    assertion_id = root.get("ID")
    if not assertion_id or not _NCNAME.match(assertion_id):
        raise AssertionRejected("bad_id", "the assertion has no valid ID attribute")
    if _count_id(root, assertion_id) != 1:
        raise AssertionRejected("duplicate_id", "the assertion's ID is carried by more than one element")

    if _HAS_COMMENT_OR_PI(root):
        raise AssertionRejected(
            "xml_comment",
            "the assertion contains XML comments or processing instructions, which the signature does not cover",
        )
    signatures = list(root.iter(_SIGNATURE))
    if not signatures:
        raise AssertionRejected("unsigned", "the assertion is not signed")
    if len(signatures) != 1 or signatures[0].getparent() is not root:
        raise AssertionRejected(
            "signature_placement", "the assertion must carry exactly one signature, as its direct child"
        )
    signature = signatures[0]
    signed_info, signature_value, hash_algorithm, reference = _signature_parts(signature, policy)
    signature_algorithm = _algorithm(signed_info)
    digest_name, digest_value, inclusive_prefixes = _reference_parts(reference, assertion_id, policy)

    # SignatureValue over the canonical SignedInfo (canonicalised in place: inherited namespaces count).
    try:
        public_key.verify(
            signature_value,
            etree.tostring(
                signed_info,
                method="c14n",
                exclusive=True,
                with_comments=False,
                inclusive_ns_prefixes=_prefixes(signed_info.find(_C14N_METHOD)),
            ),
            padding.PKCS1v15(),
            hash_algorithm,
        )
    except InvalidSignature:
        raise AssertionRejected(
            "signature_invalid", "the signature does not verify with the communication system's certificate"
        ) from None

    # Enveloped-signature transform: the assertion without its Signature (keeping the text after it).
    _detach_keeping_tail(signature)
    canonical = etree.tostring(
        root, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=inclusive_prefixes
    )
    if not hmac.compare_digest(hashlib.new(digest_name, canonical).digest(), digest_value):
        raise AssertionRejected("digest_mismatch", "the assertion was changed after it was signed (digest mismatch)")
    # ``root`` is now exactly the digested node-set: the referenced element minus the enveloped signature,
    # with no comments or processing instructions (refused above), so its content is the canonical bytes'.
    return _read_claims(root, assertion_id, signature_algorithm=signature_algorithm)


_ID_COUNT = etree.XPath("count(//@ID[. = $v] | //@Id[. = $v] | //@id[. = $v] | //@xml:id[. = $v])")


def _count_id(root: etree._Element, value: str) -> int:
    """How many ID-typed attributes (``ID``, ``Id``, ``id``, ``xml:id``) anywhere carry ``value``."""
    result = _ID_COUNT(root, v=value)
    return int(result) if isinstance(result, float) else 0


def _children(element: etree._Element) -> list[etree._Element]:
    """Element children; comments and processing instructions inside signature structures are refused."""
    children = []
    for child in element:
        if not isinstance(child.tag, str):
            raise AssertionRejected("signature_structure", "comments or instructions inside the signature")
        children.append(child)
    return children


def _expect(children: list[etree._Element], names: list[str], where: str) -> None:
    if [c.tag for c in children] != [q(DS, n) for n in names]:
        raise AssertionRejected("signature_structure", f"{where} must contain exactly {', '.join(names)}")


def _algorithm(signed_info: etree._Element) -> str:
    method = signed_info.find(_SIGNATURE_METHOD)
    return "" if method is None else str(method.get("Algorithm"))


def _signature_parts(
    signature: etree._Element, policy: VerificationPolicy
) -> tuple[etree._Element, bytes, hashes.HashAlgorithm, etree._Element]:
    children = _children(signature)
    names = [etree.QName(c).localname for c in children if etree.QName(c).namespace == DS]
    if (
        len(names) != len(children)
        or names[:2] != ["SignedInfo", "SignatureValue"]
        or names[2:] not in ([], ["KeyInfo"])
    ):
        raise AssertionRejected("signature_structure", "ds:Signature must hold SignedInfo, SignatureValue[, KeyInfo]")
    signed_info, value_element = children[0], children[1]
    info_children = _children(signed_info)
    _expect(info_children, ["CanonicalizationMethod", "SignatureMethod", "Reference"], "ds:SignedInfo")
    c14n_method, signature_method, reference = info_children
    if c14n_method.get("Algorithm") != EXC_C14N:
        raise AssertionRejected("algorithm", "SignedInfo must use exclusive canonicalization")
    _check_c14n_children(c14n_method)
    algorithm = signature_method.get("Algorithm") or ""
    hash_algorithm = policy.signature_algorithms.get(algorithm)
    if hash_algorithm is None:
        code = "sha1_not_allowed" if algorithm == RSA_SHA1 else "algorithm"
        raise AssertionRejected(code, f"signature algorithm {algorithm or '(none)'} is not accepted; use RSA-SHA256")
    if len(signature_method):
        raise AssertionRejected("signature_structure", "SignatureMethod must be empty")
    return signed_info, _base64(value_element.text, "SignatureValue"), hash_algorithm, reference


def _reference_parts(
    reference: etree._Element, assertion_id: str, policy: VerificationPolicy
) -> tuple[str, bytes, list[str] | None]:
    uri = reference.get("URI")
    if uri != f"#{assertion_id}":
        raise AssertionRejected(
            "reference_uri", "the signature's Reference must name the assertion's own ID (URI=\"#<ID>\")"
        )
    children = _children(reference)
    _expect(children, ["Transforms", "DigestMethod", "DigestValue"], "ds:Reference")
    transforms, digest_method, digest_value = children
    steps = _children(transforms)
    algorithms = [t.get("Algorithm") for t in steps]
    if [t.tag for t in steps] != [_TRANSFORM] * 2 or algorithms != [ENVELOPED, EXC_C14N]:
        raise AssertionRejected(
            "transforms", "the only transforms accepted are enveloped-signature then exclusive c14n"
        )
    if len(steps[0]):
        raise AssertionRejected("transforms", "the enveloped-signature transform takes no parameters")
    _check_c14n_children(steps[1])
    digest_algorithm = digest_method.get("Algorithm") or ""
    digest_name = policy.digest_algorithms.get(digest_algorithm)
    if digest_name is None:
        code = "sha1_not_allowed" if digest_algorithm == SHA1 else "algorithm"
        raise AssertionRejected(code, f"digest algorithm {digest_algorithm or '(none)'} is not accepted; use SHA-256")
    value = _base64(digest_value.text, "DigestValue")
    if len(value) != hashlib.new(digest_name).digest_size:
        raise AssertionRejected("signature_structure", "DigestValue has the wrong length")
    return digest_name, value, _prefixes(steps[1])


def _check_c14n_children(method: etree._Element) -> None:
    children = _children(method)
    if any(c.tag != _INCLUSIVE for c in children) or len(children) > 1:
        raise AssertionRejected("transforms", "exclusive c14n takes only an InclusiveNamespaces parameter")


def _prefixes(method: etree._Element | None) -> list[str] | None:
    if method is None:
        return None
    inclusive = method.find(_INCLUSIVE)
    if inclusive is None:
        return None
    return [p for p in (inclusive.get("PrefixList") or "").split() if p != "#default"] or None


def _base64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise AssertionRejected("signature_structure", f"{what} is not base64") from None


def _detach_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)  # lxml drops the tail with the element; put it back where it was
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


# --- reading the claims (SAML 2.0 Core §2) from the canonical, digested bytes ---------------------------


def _one(parent: etree._Element, name: str, *, required: bool = True) -> etree._Element | None:
    found = parent.findall(_S[name])
    if len(found) > 1:
        raise AssertionRejected("structure", f"the assertion has more than one {name}")
    if not found:
        if required:
            raise AssertionRejected("structure", f"the assertion has no {name}")
        return None
    return found[0]


def _text(element: etree._Element, what: str) -> str:
    if len(element):
        raise AssertionRejected("structure", f"{what} must contain text only")
    return element.text or ""


def _time(value: str | None, what: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AssertionRejected("structure", f"{what} is not an xs:dateTime") from None
    if moment.tzinfo is None:
        raise AssertionRejected("structure", f"{what} has no time zone")
    return moment.astimezone(dt.UTC)


def _read_claims(root: etree._Element, assertion_id: str, *, signature_algorithm: str) -> VerifiedAssertion:
    if root.get("ID") != assertion_id or root.tag != _ASSERTION:
        raise AssertionRejected("structure", "the digested element is not the assertion")  # pragma: no cover
    if root.get("Version") != "2.0":
        raise AssertionRejected("structure", "the assertion is not SAML 2.0")
    issue_instant = _time(root.get("IssueInstant"), "IssueInstant")
    if issue_instant is None:
        raise AssertionRejected("structure", "the assertion has no IssueInstant")
    issuer_element = _one(root, "Issuer")
    assert issuer_element is not None
    subject = _one(root, "Subject")
    assert subject is not None
    name_id_element = _one(subject, "NameID", required=False)
    if name_id_element is None:
        raise AssertionRejected("no_name_id", "the assertion's subject has no NameID")
    confirmations = []
    for confirmation in subject.findall(_S["SubjectConfirmation"]):
        data = _one(confirmation, "SubjectConfirmationData", required=False)
        confirmations.append(
            SubjectConfirmation(
                method=confirmation.get("Method") or "",
                recipient=None if data is None else data.get("Recipient"),
                not_before=None if data is None else _time(data.get("NotBefore"), "NotBefore"),
                not_on_or_after=None if data is None else _time(data.get("NotOnOrAfter"), "NotOnOrAfter"),
                in_response_to=None if data is None else data.get("InResponseTo"),
            )
        )
    conditions = _one(root, "Conditions", required=False)
    audiences: list[str] = []
    not_before = not_on_or_after = None
    if conditions is not None:
        not_before = _time(conditions.get("NotBefore"), "Conditions/NotBefore")
        not_on_or_after = _time(conditions.get("NotOnOrAfter"), "Conditions/NotOnOrAfter")
        for restriction in conditions.findall(_S["AudienceRestriction"]):
            audiences.extend(_text(a, "Audience") for a in restriction.findall(_S["Audience"]))
    context = None
    authn = _one(root, "AuthnStatement", required=False)
    if authn is not None:
        ref = authn.find(_AUTHN_CONTEXT_CLASS_REF)
        context = None if ref is None else _text(ref, "AuthnContextClassRef")
    attributes: dict[str, list[str]] = {}
    for statement in root.findall(_S["AttributeStatement"]):
        for attribute in statement.findall(_S["Attribute"]):
            values = [_text(v, "AttributeValue") for v in attribute.findall(_S["AttributeValue"])]
            attributes.setdefault(attribute.get("Name") or "", []).extend(values)
    return VerifiedAssertion(
        assertion_id=assertion_id,
        issue_instant=issue_instant,
        issuer=_text(issuer_element, "Issuer"),
        name_id=_text(name_id_element, "NameID"),
        name_id_format=name_id_element.get("Format"),
        name_qualifier=name_id_element.get("NameQualifier"),
        subject_confirmations=tuple(confirmations),
        not_before=not_before,
        not_on_or_after=not_on_or_after,
        audiences=tuple(audiences),
        authn_context_class_ref=context,
        attributes=attributes,
        signature_algorithm=signature_algorithm,
    )
