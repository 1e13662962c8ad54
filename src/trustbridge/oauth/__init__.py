"""OAuth 2.0 protocol code on Authlib's server framework.

``server.py`` adapts Authlib's ``AuthorizationServer`` to plain request/response data; ``rfc7522/`` holds the
SAML 2.0 bearer assertion grant, ``client_grants.py`` the client-credentials and password grants. The S/4
tenant supplies the domain (who the client is, which system's certificate verifies, which business user the
NameID names) through :class:`rfc7522.Saml2BearerBackend`. ``endpoint.py`` is the one Starlette adapter both
services' token routes call; every other module here is free of any web framework.
"""
