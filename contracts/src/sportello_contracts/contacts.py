"""Identity's language for the account's contact details: the e-mail address, confirmed by a
link sent to it before it is used; the mobile number, confirmed by a code sent to it."""

import re
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.credentials import LinkToken
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import Email
from sportello_contracts.identity import Password
from sportello_contracts.rpc import Operation, Request


def _without_separators(value: object) -> object:
    # As people write numbers: `+39 333 123 4567`, `+39-333-1234567`, `+39.333.1234567`.
    return re.sub(r"[\s.\-()]", "", value) if isinstance(value, str) else value


# A mobile number in E.164 (`+393331234567`), written with or without separators.
Phone = Annotated[
    str,
    BeforeValidator(_without_separators),
    StringConstraints(max_length=16, pattern=r"^\+[1-9][0-9]{7,14}$"),
]
# The code a text message carries: six digits, never in a repr or a log line.
PhoneCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$"), Field(repr=False)
]


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
    current_password: Password  # asked again: reset links go to this address


class EmailChangeReply(Contract):
    """The address waits for its link to be followed; mail goes where it went until then."""

    pending_email: Email
    expires_at: AwareDatetime


class ConfirmEmailRequest(Request):
    """The token of a confirmation link (no log-in needed: the link may be opened anywhere)."""

    confirmation_token: LinkToken


class EmailConfirmedReply(Contract):
    email: Email


class PhoneCodeIssued(EventPayload):
    """A code to confirm `phone` as the account's mobile number: notifications texts it.

    For notifications alone (a test checks): the code reaches no other queue. Any earlier code
    of the account is void from now on.
    """

    ROUTING_KEY = "identity.phone_code.issued"
    VERSION = 1
    SECRET = True

    account_id: str
    phone: Phone
    code: PhoneCode
    expires_at: AwareDatetime


class PhoneChanged(EventPayload):
    """The account's mobile number is `new_phone` (its code was entered); the account's e-mail
    address is told, so a change its owner did not make is noticed."""

    ROUTING_KEY = "identity.phone.changed"
    VERSION = 1

    account_id: str
    username: str
    full_name: str
    email: Email
    new_phone: Phone
    at: AwareDatetime


class ChangePhoneRequest(Request):
    phone: Phone


class PhoneChangeReply(Contract):
    """The number waits for its code; the account keeps the number it had until then."""

    pending_phone: Phone
    expires_at: AwareDatetime


class ConfirmPhoneRequest(Request):
    code: PhoneCode


class PhoneConfirmedReply(Contract):
    phone: Phone


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
CHANGE_PHONE = Operation(
    "identity.phone.change", ChangePhoneRequest, PhoneChangeReply, command=True
)
CONFIRM_PHONE = Operation(
    "identity.phone.confirm", ConfirmPhoneRequest, PhoneConfirmedReply, command=True
)
