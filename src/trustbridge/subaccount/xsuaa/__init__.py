"""The subaccount's XSUAA-like authorization server: service bindings, RS256 JWTs, JWKS (issue C)."""
