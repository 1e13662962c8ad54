"""A whole landscape (subaccount + S/4 tenant) as the CLI sees it: clients, declarative apply, status, demo.

Everything here talks to the services over HTTP — to remote URLs, or in-process (ASGI) to the services of a
local data dir — so ``apply`` and ``status`` behave the same against a deployment as on this machine.
"""
