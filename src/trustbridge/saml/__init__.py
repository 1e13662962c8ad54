"""SAML 2.0 protocol code: assertion builder, enveloped signer, strict-profile verifier, hardened parser.

No web framework and no service imports here: the subaccount (which signs) and the S/4 tenant (which
verifies) both use it. The profile is the one SAP's Destination service and S/4HANA's token service use for
the OAuth 2.0 SAML 2.0 bearer grant (RFC 7522): one signed ``saml2:Assertion``, enveloped RSA-SHA256
signature, exclusive canonicalization.
"""
