"""The S/4HANA Cloud tenant: communication management, business users (later: token service, task APIs)."""
