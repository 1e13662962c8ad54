"""The ``trustbridge`` command line (Typer + Rich)."""
