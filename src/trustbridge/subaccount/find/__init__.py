"""The Destination service's *find destination* (consumption API): lookup, token retrieval, token cache.

- :mod:`.lookup` — find a destination by name (v1: instance level, then subaccount; v2: ``@level``) and shape
  the answer (``DestinationLookUpResult`` / ``ConsumeDestinationLookUpResult`` [SPEC], research §C).
- :mod:`.auth_tokens` — the ``authTokens`` entry per ``Authentication`` type; failures are entries with an
  ``error`` text (HTTP 200), never exceptions.
- :mod:`.exchange` — the HTTP call to a destination's token service (httpx, sync).
- :mod:`.cache` — tokens kept in process memory until shortly before they expire.

Secrets and tokens are never logged.
"""
