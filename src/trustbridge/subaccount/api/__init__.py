"""HTTP layer of the subaccount service: SAP's Destination service API and trustbridge's extensions."""
