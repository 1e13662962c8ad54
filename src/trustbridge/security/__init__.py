"""Shared security primitives: password hashing, generated secrets, HTTP Basic parsing."""
