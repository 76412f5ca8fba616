"""Billing: supplies, billing profiles, bills, payments, direct debit."""
