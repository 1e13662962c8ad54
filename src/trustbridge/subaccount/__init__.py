"""The BTP subaccount: trust store, destinations (and, later, the XSUAA-like authorization server)."""
