"""Billing's rules: pure Python, no I/O."""
