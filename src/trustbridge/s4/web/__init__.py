"""The tenant's apps in a browser (seed steps 2–19): Fiori-like pages over the same domain functions as ``/api``."""
