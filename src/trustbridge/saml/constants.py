"""Namespaces and algorithm identifiers (SAML 2.0 Core, XML-DSig 1.1, Exclusive XML Canonicalization 1.0)."""

from __future__ import annotations

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"

BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTRNAME_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
AC_X509 = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
AC_PREVIOUS_SESSION = "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession"


def q(namespace: str, local: str) -> str:
    """Clark notation ``{namespace}local`` as lxml uses it."""
    return f"{{{namespace}}}{local}"
