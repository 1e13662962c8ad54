"""Server-rendered pages shared by the services: sessions, CSRF, login, templates, security headers.

Each service keeps its own pages (``trustbridge.s4.web``, ``trustbridge.subaccount.cockpit``); this package
holds only what every page set needs, like ``saml`` and ``oauth`` hold the protocol code. Pages call the
same domain functions as the JSON APIs, so there is one set of rules (docs/web.md).
"""
