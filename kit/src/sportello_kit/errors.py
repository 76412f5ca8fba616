"""Failures of message handling that the bus middleware tells apart.

(Request handlers refuse with `sportello_contracts.rpc.Refused`, which becomes a typed reply.)
"""


class PoisonMessage(Exception):
    """An event that can never be handled as it is: dead-lettered at once, with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HandlerFailed(Exception):
    """The handler (not the message's parsing) failed: an event is retried, a request is a 500."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(repr(error))
        self.error = error
