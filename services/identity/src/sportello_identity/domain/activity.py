"""The account's trail: what its user, or an operator for them, did with it."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Activity:
    activity_id: str
    account_id: str
    kind: str  # dotted: `session.opened`, `login.failed`, `password.changed`...
    at: datetime
    actor_id: str | None = None  # the operator who acted for the user; None: the user did
    client_address: str | None = None
    details: dict[str, str] = field(default_factory=dict)  # never a secret
