"""Deleting an account (issue 16, item 8): identity's operations and event, and the confirmation
each service holding personal data sends once it erased or pseudonymised its part."""

from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, JsonValue, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email
from sportello_contracts.rpc import Operation, Request

DeletionId = Annotated[str, StringConstraints(max_length=64)]


class RequestAccountDeletionRequest(Request):
    """The user asks, proving again who they are: their password, or a passkey's answer to a
    sign-in challenge (`identity.passkey.sign_in_begin`). Exactly one of the two."""

    # Never in a repr; said here, since pydantic ignores a field setting inside a union.
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = Field(
        None, repr=False
    )
    passkey: dict[str, JsonValue] | None = Field(None, repr=False)

    @model_validator(mode="after")
    def _one_proof(self) -> Self:
        if (self.password is None) == (self.passkey is None):
            raise ValueError("either the password or a passkey's answer, not both nor neither")
        return self


class AccountDeletionRequestedReply(Contract):
    """Nothing is deleted yet: the user confirms with a second call before `confirm_before`."""

    deletion_id: str
    confirm_before: AwareDatetime


class ConfirmAccountDeletionRequest(Request):
    deletion_id: DeletionId


class AccountDeletedReply(Contract):
    """Identity's part is done; the other services erase theirs and confirm by event."""

    deletion_id: str
    deleted_at: AwareDatetime


class AccountDeleted(EventPayload):
    """An account was deleted: every service holding personal data of it erases or pseudonymises
    its part, idempotently, and confirms with its own `*AccountDataErased`. `email` is where the
    user is told, and what notifications erases its records of."""

    ROUTING_KEY = "identity.account.deleted"
    VERSION = 1

    deletion_id: str
    account_id: str
    customer_codes: tuple[CustomerCode, ...]
    email: Email
    deleted_at: AwareDatetime


class AccountDataErased(EventPayload):
    """A service's confirmation that it erased or pseudonymised what it held of the account."""

    SERVICE: ClassVar[str]

    deletion_id: str
    account_id: str
    erased_at: AwareDatetime


class BillingAccountDataErased(AccountDataErased):
    """Billing pseudonymised its customers of the account; their bills stay, as the law wants."""

    ROUTING_KEY = "billing.account_data.erased"
    VERSION = 1
    SERVICE = "billing"


class NotificationsAccountDataErased(AccountDataErased):
    """Notifications erased its records of messages to the account's address."""

    ROUTING_KEY = "notifications.account_data.erased"
    VERSION = 1
    SERVICE = "notifications"


REQUEST_ACCOUNT_DELETION = Operation(
    "identity.account_deletion.request",
    RequestAccountDeletionRequest,
    AccountDeletionRequestedReply,
    command=True,
)
CONFIRM_ACCOUNT_DELETION = Operation(
    "identity.account_deletion.confirm",
    ConfirmAccountDeletionRequest,
    AccountDeletedReply,
    command=True,
)
