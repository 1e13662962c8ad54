"""Strict-profile verification of a signed SAML 2.0 assertion (the RFC 7522 profile S/4HANA accepts).

General XML-DSig verifiers answer "is there *a* valid signature somewhere in this document?" — which is how
signature-wrapping attacks work: the signature covers one element and the application reads another. This
verifier accepts exactly one shape and returns the claims of exactly the bytes it digested:

1. the document is one ``saml2:Assertion`` (no Response wrapper, no second or nested assertion), parsed with
   :mod:`trustbridge.saml.parser` (no DTD, no entities, no network, size/depth/node caps);
2. the assertion has exactly one ``ds:Signature``, its direct child, with exactly one ``Reference`` whose
   ``URI`` is ``#`` + the assertion's ``ID`` (an ID no other element carries);
3. the transforms are exactly enveloped-signature then exclusive c14n; canonicalization is exclusive c14n;
   the algorithms are RSA-SHA256 / SHA-256 (RSA-SHA1 / SHA-1 only where a policy allows it);
4. the key is the caller's (the communication system's uploaded certificate), never ``KeyInfo``;
5. the digest is computed over the exclusive canonical form of the assertion without its signature, and the
   claims are then read from that same element — the one whose bytes were digested, with comments and
   processing instructions refused up front so that what is read is exactly what was digested — never
   found again by a search over the document that arrived.

Hand-written on lxml's canonicalizer and ``cryptography`` (the issue's measured choice: python-xmlsec
verifies any valid signature in a document and returns no binding to what it covered).

Speed (``bench/run``; issue B asks for twice python-xmlsec's rate). Apart from RSA, the cost is lxml calls
from Python, so the usual case is settled with few of them, and every shortcut is a *sufficient* condition
backed by the rule-by-rule checks, which run whenever the shortcut does not apply and name the rule that
failed — so the result, claims or rejection code and message, is always the one the rules give
(``tests/saml/test_differential.py`` holds it to the pre-optimisation verifier on generated inputs):

* rules 1–2 across the document: one walk of the tree in C (``iter`` with the tags and node types the
  rules look for) instead of one XPath evaluation per rule; the ID's uniqueness from the raw bytes when
  they allow it (``_id_literal_unique``), by XPath otherwise;
* rules 2–3 on SignedInfo: its canonical bytes, needed for the signature anyway, compared with the
  profile's SignedInfo as exclusive c14n writes it (``_profile_template``) — equal bytes mean equal
  elements, attributes and text — instead of a walk over its eleven elements;
* the claims: one pass over each parent's children instead of a search per name; repeated timestamps
  parsed once; the frozen result built without per-field ``object.__setattr__``;
* :class:`Verifier` keeps the policy's tables per key (a token endpoint can keep one per system).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

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
from trustbridge.saml.parser import XMLRejected, parse_untrusted

# Clark-notation tags, computed once.
_ASSERTION = q(SAML, "Assertion")
_ENCRYPTED_ASSERTION = q(SAML, "EncryptedAssertion")
_SIGNATURE = q(DS, "Signature")
_SIGNED_INFO = q(DS, "SignedInfo")
_SIGNATURE_VALUE = q(DS, "SignatureValue")
_KEY_INFO = q(DS, "KeyInfo")
_C14N_METHOD = q(DS, "CanonicalizationMethod")
_SIGNATURE_METHOD = q(DS, "SignatureMethod")
_REFERENCE = q(DS, "Reference")
_TRANSFORMS = q(DS, "Transforms")
_TRANSFORM = q(DS, "Transform")
_DIGEST_METHOD = q(DS, "DigestMethod")
_DIGEST_VALUE = q(DS, "DigestValue")
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
        "AuthnContext",
        "AuthnContextClassRef",
        "AttributeStatement",
        "Attribute",
        "AttributeValue",
    )
}
_ISSUER, _SUBJECT, _NAME_ID = _S["Issuer"], _S["Subject"], _S["NameID"]
_SUBJECT_CONFIRMATION, _SUBJECT_CONFIRMATION_DATA = _S["SubjectConfirmation"], _S["SubjectConfirmationData"]
_CONDITIONS, _AUDIENCE_RESTRICTION, _AUDIENCE = _S["Conditions"], _S["AudienceRestriction"], _S["Audience"]
_AUTHN_STATEMENT, _AUTHN_CONTEXT, _AUTHN_CONTEXT_CLASS_REF = (
    _S["AuthnStatement"],
    _S["AuthnContext"],
    _S["AuthnContextClassRef"],
)
_ATTRIBUTE_STATEMENT, _ATTRIBUTE, _ATTRIBUTE_VALUE = _S["AttributeStatement"], _S["Attribute"], _S["AttributeValue"]

# The exact child sequences the profile allows (rule 2 and 3).
_SIGNATURE_CHILDREN = ([_SIGNED_INFO, _SIGNATURE_VALUE], [_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO])
_SIGNED_INFO_CHILDREN = [_C14N_METHOD, _SIGNATURE_METHOD, _REFERENCE]
_REFERENCE_CHILDREN = [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]
_TRANSFORM_ALGORITHMS = [ENVELOPED, EXC_C14N]

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,255}$")

_HAS_COMMENT_OR_PI = etree.XPath("boolean(//comment() | //processing-instruction())", regexp=False)
_ID_COUNT = etree.XPath("count(//@ID[. = $v] | //@Id[. = $v] | //@id[. = $v] | //@xml:id[. = $v])", regexp=False)
# What rules 1 and 2 look for anywhere in the document, found in one walk of the tree in C.
_MARKED = (_ASSERTION, _ENCRYPTED_ASSERTION, _SIGNATURE, etree.Comment, etree.ProcessingInstruction)


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


# hashlib constructors by the names VerificationPolicy.digest_algorithms uses (no ``hashlib.new`` lookup).
_DIGESTS: dict[str, Callable[[bytes], Any]] = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
_PKCS1V15 = padding.PKCS1v15()


class Verifier:
    """The strict-profile verifier bound to one public key and policy (e.g. one per communication system).

    Holds what does not change between assertions — the key, the policy's algorithm tables — so that a token
    endpoint can keep one per communication system; :meth:`verify` is :func:`verify_assertion`.
    """

    __slots__ = ("_digests", "_policy", "_public_key", "_signature_hashes")

    def __init__(self, public_key: rsa.RSAPublicKey, policy: VerificationPolicy = VerificationPolicy()) -> None:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise TypeError("the verification key must be an RSA public key")
        if not isinstance(policy, VerificationPolicy):
            raise TypeError("the policy must be a VerificationPolicy")
        self._public_key = public_key
        self._policy = policy
        self._signature_hashes, self._digests = _policy_tables(policy)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._public_key

    @property
    def policy(self) -> VerificationPolicy:
        return self._policy

    def verify(self, xml: bytes) -> VerifiedAssertion:
        """Verify ``xml`` under the strict profile; raise :class:`AssertionRejected`."""
        return _verify(xml, self._public_key, self._signature_hashes, self._digests)


def verify_assertion(
    xml: bytes, public_key: rsa.RSAPublicKey, policy: VerificationPolicy = VerificationPolicy()
) -> VerifiedAssertion:
    """Verify ``xml`` under the strict profile with ``public_key``; raise :class:`AssertionRejected`."""
    signature_hashes, digests = _policy_tables(policy)
    return _verify(xml, public_key, signature_hashes, digests)


_SignatureHashes = dict[str, hashes.HashAlgorithm]
_Digests = dict[str, tuple[Callable[[bytes], Any], int]]
# Per policy (frozen, so hashable): its algorithm tables, built once rather than on every call.
_POLICY_TABLES: dict[VerificationPolicy, tuple[_SignatureHashes, _Digests]] = {}


def _policy_tables(policy: VerificationPolicy) -> tuple[_SignatureHashes, _Digests]:
    """The policy's signature algorithms (URI → hash) and digest algorithms (URI → hashlib constructor, size)."""
    tables = _POLICY_TABLES.get(policy)
    if tables is None:
        digests = {
            uri: (_DIGESTS[name], hashlib.new(name).digest_size) for uri, name in policy.digest_algorithms.items()
        }
        tables = policy.signature_algorithms, digests
        if len(_POLICY_TABLES) < 16:
            _POLICY_TABLES[policy] = tables
    return tables


def _verify(
    xml: bytes, public_key: rsa.RSAPublicKey, signature_hashes: _SignatureHashes, digests: _Digests
) -> VerifiedAssertion:
    try:
        root = parse_untrusted(xml)
    except XMLRejected as exc:
        raise AssertionRejected(f"xml_{exc.code}", str(exc)) from None
    assertion_id = root.get("ID")
    signature = (
        _the_signature(xml, root, assertion_id)
        if root.tag == _ASSERTION and assertion_id and _NCNAME.match(assertion_id)
        else None
    )
    if signature is None or assertion_id is None:
        assertion_id, signature = _refuse_document(root)

    # Rules 2 and 3: the signature's exact shape and algorithms, in the order the codes are documented.
    children = list(signature)
    if [c.tag for c in children] not in _SIGNATURE_CHILDREN:
        _children(signature)
        raise AssertionRejected("signature_structure", "ds:Signature must hold SignedInfo, SignatureValue[, KeyInfo]")
    signed_info, value_element = children[0], children[1]
    # SignedInfo canonicalised in place (inherited namespaces count), as the signature covers it. If these
    # bytes are the profile's SignedInfo, they settle its checks at once; if not, or if libxml2 cannot
    # canonicalise the document (a relative namespace URI), the checks run one by one, first.
    try:
        canonical_signed_info: bytes | None = _exc_c14n(signed_info, None)
    except AssertionRejected:  # c14n impossible: the one-by-one checks decide first, then it is refused
        canonical_signed_info = None
    digest_text = (
        None
        if canonical_signed_info is None
        else _canonical_profile_digest(canonical_signed_info, signed_info.prefix, assertion_id)
    )
    profile_hash, profile_digest = signature_hashes.get(RSA_SHA256), digests.get(SHA256)
    if (
        canonical_signed_info is not None
        and digest_text is not None
        and profile_hash is not None
        and profile_digest is not None
    ):
        # These bytes are exactly the profile's SignedInfo (RSA-SHA256, SHA-256, no parameters), which the
        # policy allows: every rule 2 and 3 check on SignedInfo holds; what is left is what the bytes do not
        # show (the SignatureValue) and what the template leaves open (the DigestValue, 44 base64 characters).
        signature_algorithm, hash_algorithm = RSA_SHA256, profile_hash
        signature_value = _base64(value_element.text, "SignatureValue")
        digest_value = _base64(digest_text.decode("ascii"), "DigestValue")
        digest_function, digest_size = profile_digest
        if len(digest_value) != digest_size:  # pragma: no cover - 44 base64 characters are 32 bytes
            raise AssertionRejected("signature_structure", "DigestValue has the wrong length")
        inclusive_prefixes: list[str] | None = None
    else:
        (
            signature_algorithm,
            hash_algorithm,
            signature_value,
            signed_info_prefixes,
            digest_function,
            digest_value,
            inclusive_prefixes,
        ) = _signed_info_parts(signed_info, value_element, assertion_id, signature_hashes, digests)
        if canonical_signed_info is None or signed_info_prefixes is not None:
            canonical_signed_info = _exc_c14n(signed_info, signed_info_prefixes)

    # Rule 4: SignatureValue over the canonical SignedInfo, with the caller's key.
    try:
        public_key.verify(signature_value, canonical_signed_info, _PKCS1V15, hash_algorithm)
    except InvalidSignature:
        raise AssertionRejected(
            "signature_invalid", "the signature does not verify with the communication system's certificate"
        ) from None

    # Rule 5. Enveloped-signature transform: the assertion without its Signature (keeping the text after it).
    _detach_keeping_tail(signature)
    canonical = _exc_c14n(root, inclusive_prefixes)
    if not hmac.compare_digest(digest_function(canonical).digest(), digest_value):
        raise AssertionRejected("digest_mismatch", "the assertion was changed after it was signed (digest mismatch)")
    # ``root`` is now exactly the digested node-set: the referenced element minus the enveloped signature,
    # with no comments or processing instructions (refused above), so its content is the canonical bytes'.
    return _read_claims(root, assertion_id, signature_algorithm=signature_algorithm)


def _signed_info_parts(
    signed_info: etree._Element,
    value_element: etree._Element,
    assertion_id: str,
    signature_hashes: _SignatureHashes,
    digests: _Digests,
) -> tuple[str, hashes.HashAlgorithm, bytes, list[str] | None, Callable[[bytes], Any], bytes, list[str] | None]:
    """Rules 2 and 3 on SignedInfo element by element (any SignedInfo the byte template does not match)."""
    info_children = list(signed_info)
    if [c.tag for c in info_children] != _SIGNED_INFO_CHILDREN:
        _expect(_children(signed_info), ["CanonicalizationMethod", "SignatureMethod", "Reference"], "ds:SignedInfo")
    c14n_method, signature_method, reference = info_children
    if c14n_method.get("Algorithm") != EXC_C14N:
        raise AssertionRejected("algorithm", "SignedInfo must use exclusive canonicalization")
    signed_info_prefixes = _c14n_prefixes(c14n_method) if len(c14n_method) else None
    signature_algorithm = signature_method.get("Algorithm") or ""
    hash_algorithm = signature_hashes.get(signature_algorithm)
    if hash_algorithm is None:
        code = "sha1_not_allowed" if signature_algorithm == RSA_SHA1 else "algorithm"
        raise AssertionRejected(
            code, f"signature algorithm {signature_algorithm or '(none)'} is not accepted; use RSA-SHA256"
        )
    if len(signature_method):
        raise AssertionRejected("signature_structure", "SignatureMethod must be empty")
    signature_value = _base64(value_element.text, "SignatureValue")

    if reference.get("URI") != "#" + assertion_id:
        raise AssertionRejected(
            "reference_uri", "the signature's Reference must name the assertion's own ID (URI=\"#<ID>\")"
        )
    reference_children = list(reference)
    if [c.tag for c in reference_children] != _REFERENCE_CHILDREN:
        _expect(_children(reference), ["Transforms", "DigestMethod", "DigestValue"], "ds:Reference")
    transforms, digest_method, digest_element = reference_children
    steps = list(transforms)
    algorithms = [t.get("Algorithm") for t in steps]
    if [t.tag for t in steps] != [_TRANSFORM, _TRANSFORM] or algorithms != _TRANSFORM_ALGORITHMS:
        _children(transforms)
        raise AssertionRejected(
            "transforms", "the only transforms accepted are enveloped-signature then exclusive c14n"
        )
    if len(steps[0]):
        raise AssertionRejected("transforms", "the enveloped-signature transform takes no parameters")
    inclusive_prefixes = _c14n_prefixes(steps[1]) if len(steps[1]) else None
    digest_algorithm = digest_method.get("Algorithm") or ""
    digest = digests.get(digest_algorithm)
    if digest is None:
        code = "sha1_not_allowed" if digest_algorithm == SHA1 else "algorithm"
        raise AssertionRejected(code, f"digest algorithm {digest_algorithm or '(none)'} is not accepted; use SHA-256")
    digest_value = _base64(digest_element.text, "DigestValue")
    digest_function, digest_size = digest
    if len(digest_value) != digest_size:
        raise AssertionRejected("signature_structure", "DigestValue has the wrong length")
    return (
        signature_algorithm,
        hash_algorithm,
        signature_value,
        signed_info_prefixes,
        digest_function,
        digest_value,
        inclusive_prefixes,
    )


def _the_signature(xml: bytes, root: etree._Element, assertion_id: str) -> etree._Element | None:
    """Rules 1 and 2 across the document for the one shape they accept: return its signature, or ``None``.

    ``root`` is an Assertion with a well-formed ID (checked by the caller). Accepted: no other (Encrypted)
    Assertion, no comment or processing instruction (inside the root or beside it), exactly one ds:Signature,
    a direct child of the root, and no other ID-typed attribute with the assertion's ID. Anything else is
    ``None``, and :func:`_refuse_document` then applies the rules one at a time to name the one that failed.
    """
    marked = list(root.iter(*_MARKED))  # root first; then every other element or node the rules look for
    if len(marked) != 2 or root.getprevious() is not None or root.getnext() is not None:
        return None
    signature = marked[1]
    if signature.tag != _SIGNATURE or signature.getparent() is not root:
        return None
    if not _id_literal_unique(xml, assertion_id) and _count_id(root, assertion_id) != 1:
        return None
    return signature


def _id_literal_unique(xml: bytes, assertion_id: str) -> bool:
    """A sufficient (not necessary) test, on the raw bytes, that no attribute but the root's carries its ID.

    The parser accepts UTF-8 only (checked on what libxml2 decoded with), which never uses ASCII bytes inside
    other characters, and the ID is ASCII (``_NCNAME``). Without a ``&`` in the document no attribute value
    comes from a character or entity reference, and attribute-value normalisation only turns whitespace
    (which an NCName has none of) into spaces, so an attribute whose value is the ID appears literally,
    quotes included. One such literal is the root's own ``ID``; if it is the only one, no other attribute
    (``ID``, ``Id``, ``id``, ``xml:id`` or any other) carries the value. Otherwise :func:`_count_id` decides.
    """
    if b"&" in xml:
        return False
    value = assertion_id.encode("ascii")
    return xml.count(b'"' + value + b'"') + xml.count(b"'" + value + b"'") == 1


def _exc_c14n(element: etree._Element, inclusive_prefixes: list[str] | None) -> bytes:
    """Exclusive XML Canonicalization 1.0, without comments, of ``element`` where it stands in its document.

    Input c14n cannot represent (a relative namespace URI, say) is a rejection, never an unhandled error.
    """
    try:
        return etree.tostring(
            element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=inclusive_prefixes
        )
    except (etree.C14NError, etree.SerialisationError, ValueError) as exc:
        raise AssertionRejected("c14n", f"the assertion cannot be canonicalised: {exc}") from None


def _profile_template(prefix: str | None) -> tuple[bytes, bytes, bytes]:
    """The canonical bytes of the profile's SignedInfo around its two variable parts (the ID, the digest).

    Exclusive c14n writes each element with its prefix, the namespace declarations it uses (here only the
    one of ``prefix``, on SignedInfo), its attributes sorted, start and end tags, and no comments. Bytes equal
    to ``head + ID + middle + digest + tail`` therefore are exactly this SignedInfo: these six
    elements in the xmldsig namespace, in this order, with these Algorithm attributes and this URI, no
    other attribute, no other child (no InclusiveNamespaces), no text but the digest's.
    """
    template = _TEMPLATES.get(prefix)
    if template is None:
        p = f"{prefix}:" if prefix else ""
        declaration = f'xmlns:{prefix}="{DS}"' if prefix else f'xmlns="{DS}"'
        head = (
            f'<{p}SignedInfo {declaration}><{p}CanonicalizationMethod Algorithm="{EXC_C14N}">'
            f'</{p}CanonicalizationMethod><{p}SignatureMethod Algorithm="{RSA_SHA256}"></{p}SignatureMethod>'
            f'<{p}Reference URI="#'
        )
        middle = (
            f'"><{p}Transforms><{p}Transform Algorithm="{ENVELOPED}"></{p}Transform><{p}Transform '
            f'Algorithm="{EXC_C14N}"></{p}Transform></{p}Transforms><{p}DigestMethod Algorithm="{SHA256}">'
            f"</{p}DigestMethod><{p}DigestValue>"
        )
        tail = f"</{p}DigestValue></{p}Reference></{p}SignedInfo>"
        template = head.encode(), middle.encode(), tail.encode()
        if len(_TEMPLATES) < 64:  # prefixes come from input: keep the cache bounded
            _TEMPLATES[prefix] = template
    return template


_TEMPLATES: dict[str | None, tuple[bytes, bytes, bytes]] = {}
# A SHA-256 DigestValue as the template accepts it: exactly 44 base64 characters, one "=" of padding.
_SHA256_BASE64 = re.compile(rb"[A-Za-z0-9+/]{43}=")


def _canonical_profile_digest(canonical: bytes, prefix: str | None, assertion_id: str) -> bytes | None:
    """The DigestValue if ``canonical`` is exactly the profile's SignedInfo for ``assertion_id``, else None."""
    head, middle, tail = _profile_template(prefix)
    identifier = assertion_id.encode("ascii")
    digest_at = len(head) + len(identifier) + len(middle)
    if (
        len(canonical) != digest_at + 44 + len(tail)
        or not canonical.startswith(head)
        or not canonical.startswith(identifier, len(head))
        or not canonical.startswith(middle, digest_at - len(middle))
        or not canonical.endswith(tail)
    ):
        return None
    digest = canonical[digest_at : digest_at + 44]
    return digest if _SHA256_BASE64.fullmatch(digest) else None


def _refuse_document(root: etree._Element) -> tuple[str, etree._Element]:
    """Rules 1 and 2 one by one, raising on the first that fails (the fast check above found one that does)."""
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
    return assertion_id, signatures[0]  # pragma: no cover - the combined check accepts exactly this case


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


def _c14n_prefixes(method: etree._Element) -> list[str] | None:
    """The parameters of an exclusive-c14n method that has children: exactly one InclusiveNamespaces."""
    children = _children(method)
    if len(children) != 1 or children[0].tag != _INCLUSIVE:
        raise AssertionRejected("transforms", "exclusive c14n takes only an InclusiveNamespaces parameter")
    return [p for p in (children[0].get("PrefixList") or "").split() if p != "#default"] or None


def _base64(text: str | None, what: str) -> bytes:
    """``base64.b64decode(text without whitespace, validate=True)``, i.e. strict base64."""
    if text:
        try:  # the usual case, no whitespace: decoding ``text`` itself is decoding it without whitespace
            return binascii.a2b_base64(text, strict_mode=True)
        except (binascii.Error, ValueError):
            pass
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


_Groups = dict[object, list[etree._Element]]


def _group(parent: etree._Element) -> _Groups:
    """``parent``'s children by tag, in document order (one pass: cheaper than a search per name)."""
    groups: _Groups = {}
    for child in parent:
        tag = child.tag
        if tag in groups:
            groups[tag].append(child)
        else:
            groups[tag] = [child]
    return groups


def _one(groups: _Groups, tag: str, name: str, *, required: bool = True) -> etree._Element | None:
    found = groups.get(tag)
    if found is None:
        if required:
            raise AssertionRejected("structure", f"the assertion has no {name}")
        return None
    if len(found) > 1:
        raise AssertionRejected("structure", f"the assertion has more than one {name}")
    return found[0]


def _at_most_one(parent: etree._Element, tag: str, name: str) -> etree._Element | None:
    found = None
    for child in parent:
        if child.tag == tag:
            if found is not None:
                raise AssertionRejected("structure", f"the assertion has more than one {name}")
            found = child
    return found


def _text(element: etree._Element, what: str) -> str:
    if len(element):
        raise AssertionRejected("structure", f"{what} must contain text only")
    return element.text or ""


def _time(value: str | None, what: str, parsed: dict[str, dt.datetime]) -> dt.datetime | None:
    """An ``xs:dateTime`` with a time zone, in UTC; ``parsed`` holds the values already read (an assertion
    repeats them: IssueInstant is usually NotBefore, and both NotOnOrAfter are usually the same)."""
    if value is None:
        return None
    moment = parsed.get(value)
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise AssertionRejected("structure", f"{what} is not an xs:dateTime") from None
        if moment.tzinfo is None:
            raise AssertionRejected("structure", f"{what} has no time zone")
        moment = parsed[value] = moment.astimezone(dt.UTC)
    return moment


def _read_claims(root: etree._Element, assertion_id: str, *, signature_algorithm: str) -> VerifiedAssertion:
    get = root.get
    if get("ID") != assertion_id or root.tag != _ASSERTION:
        raise AssertionRejected("structure", "the digested element is not the assertion")  # pragma: no cover
    if get("Version") != "2.0":
        raise AssertionRejected("structure", "the assertion is not SAML 2.0")
    times: dict[str, dt.datetime] = {}
    issue_instant = _time(get("IssueInstant"), "IssueInstant", times)
    if issue_instant is None:
        raise AssertionRejected("structure", "the assertion has no IssueInstant")
    statements = _group(root)
    issuer_element = _one(statements, _ISSUER, "Issuer")
    assert issuer_element is not None
    subject = _one(statements, _SUBJECT, "Subject")
    assert subject is not None
    subject_children = _group(subject)
    name_id_element = _one(subject_children, _NAME_ID, "NameID", required=False)
    if name_id_element is None:
        raise AssertionRejected("no_name_id", "the assertion's subject has no NameID")
    confirmations = []
    for confirmation in subject_children.get(_SUBJECT_CONFIRMATION, ()):
        data = _at_most_one(confirmation, _SUBJECT_CONFIRMATION_DATA, "SubjectConfirmationData")
        if data is None:
            confirmations.append(
                _built(
                    SubjectConfirmation,
                    method=confirmation.get("Method") or "",
                    recipient=None,
                    not_before=None,
                    not_on_or_after=None,
                    in_response_to=None,
                )
            )
        else:
            data_get = data.get
            confirmations.append(
                _built(
                    SubjectConfirmation,
                    method=confirmation.get("Method") or "",
                    recipient=data_get("Recipient"),
                    not_before=_time(data_get("NotBefore"), "NotBefore", times),
                    not_on_or_after=_time(data_get("NotOnOrAfter"), "NotOnOrAfter", times),
                    in_response_to=data_get("InResponseTo"),
                )
            )
    conditions = _one(statements, _CONDITIONS, "Conditions", required=False)
    audiences: list[str] = []
    not_before = not_on_or_after = None
    if conditions is not None:
        not_before = _time(conditions.get("NotBefore"), "Conditions/NotBefore", times)
        not_on_or_after = _time(conditions.get("NotOnOrAfter"), "Conditions/NotOnOrAfter", times)
        for restriction in conditions:
            if restriction.tag == _AUDIENCE_RESTRICTION:
                for audience in restriction:
                    if audience.tag == _AUDIENCE:
                        audiences.append(_text(audience, "Audience"))
    context = None
    authn = _one(statements, _AUTHN_STATEMENT, "AuthnStatement", required=False)
    if authn is not None:
        ref = _first_grandchild(authn, _AUTHN_CONTEXT, _AUTHN_CONTEXT_CLASS_REF)
        context = None if ref is None else _text(ref, "AuthnContextClassRef")
    attributes: dict[str, list[str]] = {}
    for statement in statements.get(_ATTRIBUTE_STATEMENT, ()):
        for attribute in statement:
            if attribute.tag == _ATTRIBUTE:
                values = [_text(v, "AttributeValue") for v in attribute if v.tag == _ATTRIBUTE_VALUE]
                name = attribute.get("Name") or ""
                if name in attributes:
                    attributes[name].extend(values)
                else:
                    attributes[name] = values
    return _built(
        VerifiedAssertion,
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


_Frozen = TypeVar("_Frozen")


def _built(cls: type[_Frozen], **fields: object) -> _Frozen:
    """The frozen dataclass ``cls`` with ``fields`` (all of them), as its ``__init__`` would build it.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; this fills the instance
    dict in one step, as ``copy`` and ``pickle`` do when they rebuild one. Equal to ``cls(**fields)``; the
    instance stays frozen (tests/saml/test_verifier_api.py checks both).
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def _first_grandchild(element: etree._Element, child_tag: str, grandchild_tag: str) -> etree._Element | None:
    """``element.find("child/grandchild")``: the first grandchild of that name under a child of that name."""
    for child in element:
        if child.tag == child_tag:
            for grandchild in child:
                if grandchild.tag == grandchild_tag:
                    return grandchild
    return None
