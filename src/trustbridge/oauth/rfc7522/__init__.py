"""RFC 7522: SAML 2.0 Profile for OAuth 2.0 Client Authentication and Authorization Grants (the grant part)."""

from trustbridge.oauth.rfc7522.saml2_bearer import (
    SAML2_BEARER_GRANT_TYPE,
    GrantRejected,
    IssuedToken,
    Saml2BearerBackend,
    Saml2BearerGrant,
    decode_assertion,
)

__all__ = [
    "SAML2_BEARER_GRANT_TYPE",
    "GrantRejected",
    "IssuedToken",
    "Saml2BearerBackend",
    "Saml2BearerGrant",
    "decode_assertion",
]
