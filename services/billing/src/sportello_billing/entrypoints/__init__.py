"""Billing's entrypoints: messages in, use-case calls, replies out."""
