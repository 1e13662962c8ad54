"""OAuth 2.0 protocol code on Authlib's server framework, with no web framework inside.

``server.py`` adapts Authlib's ``AuthorizationServer`` to plain request/response data; ``rfc7522/`` holds the
SAML 2.0 bearer assertion grant, ``client_grants.py`` the client-credentials and password grants;
``endpoint.py`` is the single Starlette adapter both services' token routes call. The S/4 tenant supplies the domain (who the client is, which system's
certificate verifies, which business user the NameID names) through :class:`rfc7522.Saml2BearerBackend`.
"""
