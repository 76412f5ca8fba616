"""Notifications: the messages Sportello sends its users (e-mail today; SMS, push, in-app next)."""
