"""Tender hooks of the bid domain (see tender/hooks.py)."""
