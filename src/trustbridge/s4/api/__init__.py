"""The S/4 tenant's admin HTTP API (docs/api.md): a thin FastAPI layer over the domain modules of ``trustbridge.s4``."""
