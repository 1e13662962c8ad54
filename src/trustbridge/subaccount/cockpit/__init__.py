"""The subaccount cockpit in a browser: Destinations (Download Trust, editor, Check Connection), trust
certificates and users — pages over the same domain functions as the Destination service API."""
