"""Tender hooks of the opening domain (see tender/hooks.py)."""
