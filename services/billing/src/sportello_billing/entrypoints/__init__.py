"""Billing's entrypoints: messages in, store calls, replies out."""
