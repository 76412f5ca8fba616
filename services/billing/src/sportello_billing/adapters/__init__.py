"""Billing's adapters: MongoDB."""
