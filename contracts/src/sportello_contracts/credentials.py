"""Identity's language for getting back in and changing credentials: lost password or username,
password reset and change, and the security notices they cause."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import Email
from sportello_contracts.identity import Password
from sportello_contracts.rpc import Operation, Request

# A token sent in a link (password reset, e-mail confirmation) as the client sends it back:
# never shown in a repr or a log line.
LinkToken = Annotated[str, StringConstraints(max_length=200), Field(repr=False)]


class AccountRecoveryAsked(EventPayload):
    """Someone asked for the username and a reset link of the account with `email`.

    For identity alone (its own queue): the request is answered before anyone looks the address
    up, so the answer and its timing are the same whether an account has it or not.
    """

    ROUTING_KEY = "identity.recovery.asked"
    VERSION = 1

    email: Email
    client_address: str | None = None


class PasswordResetIssued(EventPayload):
    """A reset link for an account: notifications e-mails it, with the username, to `email`.

    For notifications alone (a test checks): the token reaches no other queue. Any earlier
    link of the account is void from now on.
    """

    ROUTING_KEY = "identity.password_reset.issued"
    VERSION = 1
    SECRET = True

    account_id: str
    username: str
    full_name: str
    email: Email
    reset_token: LinkToken
    expires_at: AwareDatetime


class PasswordChanged(EventPayload):
    """An account's password was changed from the profile, or reset from a link.

    Notifications tells the account's address, so a change its owner did not make is noticed.
    """

    ROUTING_KEY = "identity.password.changed"
    VERSION = 1

    account_id: str
    username: str
    full_name: str
    email: Email
    at: AwareDatetime
    how: Literal["changed", "reset"]


class RecoverAccountRequest(Request):
    """Lost password or lost username, in one form: the account's e-mail address."""

    email: Email


class RecoveryAskedReply(Contract):
    """The same answer whether or not an account has the address."""


class ResetPasswordRequest(Request):
    reset_token: LinkToken
    new_password: Password


class PasswordSetReply(Contract):
    """The new password holds; every session of the account (but the caller's) has ended."""


class ChangePasswordRequest(Request):
    current_password: Password
    new_password: Password


RECOVER_ACCOUNT = Operation(
    "identity.recovery.ask",
    RecoverAccountRequest,
    RecoveryAskedReply,
    needs_caller=False,
    command=True,
)
RESET_PASSWORD = Operation(
    "identity.password.reset",
    ResetPasswordRequest,
    PasswordSetReply,
    needs_caller=False,
    command=True,
)
CHANGE_PASSWORD = Operation(
    "identity.password.change", ChangePasswordRequest, PasswordSetReply, command=True
)
