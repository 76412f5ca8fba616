"""The account's trail as its user (or an operator, for a customer) reads it: newest first."""

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.rpc import Operation, Request

# Where the previous page ended, as the previous page said (opaque to clients).
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200)]
PageSize = Annotated[int, Field(ge=1, le=100)]


class ActivityEntry(Contract):
    activity_id: str
    kind: str
    at: AwareDatetime
    actor_id: str | None = None  # the operator who acted, or None: the user did
    client_address: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class ActivityPage(Contract):
    entries: tuple[ActivityEntry, ...]
    # Give it back as `before` for the next (older) page; None on the last page.
    next_cursor: str | None = None


class MyActivityRequest(Request):
    before: Cursor | None = None
    limit: PageSize = 20


class CustomerActivityRequest(Request):
    """An operator (with `accounts.read`) reads an account's trail; the access joins it."""

    account_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    before: Cursor | None = None
    limit: PageSize = 20


GET_MY_ACTIVITY = Operation("identity.activity.list", MyActivityRequest, ActivityPage)
# Not a command: every access is recorded, a retried one too.
GET_CUSTOMER_ACTIVITY = Operation(
    "identity.customer_activity.read", CustomerActivityRequest, ActivityPage
)
