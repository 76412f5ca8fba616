"""Sportello's bus language: every event and request/reply model, with its routing name and version.

Imported by every service and the gateway; imports nothing of ours.
"""
