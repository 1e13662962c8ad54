"""Building the SAML 2.0 assertion that BTP's Destination service sends for a user (research §B).

Shape (SAML 2.0 Core §2; profile of RFC 7522 §3): ``Issuer`` = the subaccount's trust-certificate CN;
``Subject/NameID`` (format, optional NameQualifier) with a bearer ``SubjectConfirmation`` whose
``SubjectConfirmationData`` carries ``Recipient`` = the token service URL and ``NotOnOrAfter``;
``Conditions`` (``NotBefore``/``NotOnOrAfter``, ``AudienceRestriction/Audience``); an ``AuthnStatement``
with the configured ``AuthnContextClassRef``; an ``AttributeStatement`` (``user_uuid``, ``Groups`` …).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from trustbridge.saml.constants import (
    AC_X509,
    ATTRNAME_BASIC,
    BEARER,
    NAMEID_UNSPECIFIED,
    SAML,
    XS,
    XSI,
    q,
)

DEFAULT_LIFETIME = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class AssertionContent:
    """What goes into an assertion; times default to now."""

    issuer: str
    name_id: str
    audience: str
    recipient: str
    name_id_format: str = NAMEID_UNSPECIFIED
    name_qualifier: str | None = None
    authn_context_class_ref: str = AC_X509
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    lifetime: dt.timedelta = DEFAULT_LIFETIME
    issue_instant: dt.datetime | None = None
    assertion_id: str | None = None


def saml_time(moment: dt.datetime) -> str:
    """``xs:dateTime`` in UTC with a ``Z``, as SAML 2.0 Core §1.3.3 requires."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_assertion_id() -> str:
    """An ``xs:ID`` with 160 bits of randomness (SAML 2.0 Core §1.3.4 asks for ≥ 128)."""
    return "_" + secrets.token_hex(20)


def build_assertion(content: AssertionContent) -> etree._Element:
    """The unsigned ``saml2:Assertion`` element (sign it with :func:`trustbridge.saml.signer.sign`)."""
    now = (content.issue_instant or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    until = now + content.lifetime
    nsmap = {"saml2": SAML}
    assertion = etree.Element(
        q(SAML, "Assertion"),
        nsmap=nsmap,
        ID=content.assertion_id or new_assertion_id(),
        IssueInstant=saml_time(now),
        Version="2.0",
    )
    etree.SubElement(assertion, q(SAML, "Issuer")).text = content.issuer

    subject = etree.SubElement(assertion, q(SAML, "Subject"))
    name_id = etree.SubElement(subject, q(SAML, "NameID"), Format=content.name_id_format)
    if content.name_qualifier:
        name_id.set("NameQualifier", content.name_qualifier)
    name_id.text = content.name_id
    confirmation = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method=BEARER)
    etree.SubElement(
        confirmation,
        q(SAML, "SubjectConfirmationData"),
        NotOnOrAfter=saml_time(until),
        Recipient=content.recipient,
    )

    conditions = etree.SubElement(
        assertion, q(SAML, "Conditions"), NotBefore=saml_time(now), NotOnOrAfter=saml_time(until)
    )
    restriction = etree.SubElement(conditions, q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML, "Audience")).text = content.audience

    authn = etree.SubElement(assertion, q(SAML, "AuthnStatement"), AuthnInstant=saml_time(now))
    context = etree.SubElement(authn, q(SAML, "AuthnContext"))
    etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = content.authn_context_class_ref

    if content.attributes:
        statement = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
        for name, values in content.attributes.items():
            attribute = etree.SubElement(statement, q(SAML, "Attribute"), Name=name, NameFormat=ATTRNAME_BASIC)
            for value in values:
                element = etree.SubElement(attribute, q(SAML, "AttributeValue"), nsmap={"xs": XS, "xsi": XSI})
                element.set(q(XSI, "type"), "xs:string")
                element.text = value
    return assertion
