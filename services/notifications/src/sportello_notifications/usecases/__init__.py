"""Notifications' use cases: load, decide, send, record; dependencies come in as Protocols."""
