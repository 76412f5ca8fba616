"""Billing's use cases: load, decide, store, emit; dependencies come in as Protocols."""
