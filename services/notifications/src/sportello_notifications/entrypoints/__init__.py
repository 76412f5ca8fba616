"""Notifications' entrypoints: events in, messages out."""
