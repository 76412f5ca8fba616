"""Failures of event handling that the bus middleware turns into dead letters.

(Request handlers refuse with `sportello_contracts.rpc.Refused`, which becomes a typed reply.)
"""


class PoisonMessage(Exception):
    """An event that can never be handled as it is: dead-lettered at once, with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
