"""trustbridge: the SAP BTP subaccount ⇄ S/4HANA Cloud SAML 2.0 bearer trust chain, on one machine."""

__version__ = "0.1.0"
