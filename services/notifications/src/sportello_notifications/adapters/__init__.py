"""Notifications' adapters: templates, SMTP, MongoDB."""
