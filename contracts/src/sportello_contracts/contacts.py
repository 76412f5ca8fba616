"""Identity's language for the account's contact details: the e-mail address, confirmed by a
link sent to it before it is used."""

from pydantic import AwareDatetime

from sportello_contracts.base import Contract
from sportello_contracts.credentials import LinkToken
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import Email
from sportello_contracts.rpc import Operation, Request


class EmailConfirmationIssued(EventPayload):
    """A link to confirm `new_email` as the account's address (typed at registration or in the
    profile); `current_email`, where mail goes meanwhile, is told of the change.

    For notifications alone (a test checks): the token reaches no other queue. Any earlier
    confirmation link of the account is void from now on.
    """

    ROUTING_KEY = "identity.email_confirmation.issued"
    VERSION = 1
    SECRET = True

    account_id: str
    username: str
    full_name: str
    new_email: Email
    current_email: Email
    confirmation_token: LinkToken
    expires_at: AwareDatetime


class EmailChanged(EventPayload):
    """The account's mail goes to `new_email` from now on (its link was followed); the address
    it went to before is told."""

    ROUTING_KEY = "identity.email.changed"
    VERSION = 1

    account_id: str
    username: str
    full_name: str
    old_email: Email
    new_email: Email
    at: AwareDatetime


class ChangeEmailRequest(Request):
    email: Email


class EmailChangeReply(Contract):
    """The address waits for its link to be followed; mail goes where it went until then."""

    pending_email: Email
    expires_at: AwareDatetime


class ConfirmEmailRequest(Request):
    """The token of a confirmation link (no log-in needed: the link may be opened anywhere)."""

    confirmation_token: LinkToken


class EmailConfirmedReply(Contract):
    email: Email


CHANGE_EMAIL = Operation(
    "identity.email.change", ChangeEmailRequest, EmailChangeReply, command=True
)
CONFIRM_EMAIL = Operation(
    "identity.email.confirm",
    ConfirmEmailRequest,
    EmailConfirmedReply,
    needs_caller=False,
    command=True,
)
