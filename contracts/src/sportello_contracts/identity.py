"""Identity's language: accounts, sessions, the caller's scope."""

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from sportello_contracts.backoffice import RegistrationPin
from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode, Username
from sportello_contracts.rpc import Operation, Request, Role

# The `typ` claim of the access tokens identity signs and the gateway verifies.
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 (a claim value, not a secret)

Password = Annotated[str, StringConstraints(min_length=1, max_length=256), Field(repr=False)]


class AccountRegistered(EventPayload):
    """A user completed registration; notifications sends the summary e-mail."""

    ROUTING_KEY = "identity.account.registered"
    VERSION = 1

    account_id: str
    username: str
    email: Email
    full_name: str
    fiscal_code: FiscalCode
    customer_codes: tuple[CustomerCode, ...]
    registered_at: AwareDatetime


class ScopeChanged(EventPayload):
    """What an account may act on changed (a new customer code joined it, say).

    The gateway forgets the scope it cached for the account.
    """

    ROUTING_KEY = "identity.scope.changed"
    VERSION = 1

    account_id: str
    customer_codes: tuple[CustomerCode, ...]


# What happened on an account, in words of its own: `session.opened`, `login.failed`,
# `password.changed`... (dotted, lower case; consumers show kinds they do not know as they are).
ActivityKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]


class AccountActivity(EventPayload):
    """Something done on or with an account: the user's trail (requests) and operators show it.

    `actor_id` is the operator who acted on the user's behalf, or None when the user did.
    `details` never holds a secret: no password, token or code, no whole IBAN.
    """

    ROUTING_KEY = "identity.activity.recorded"
    VERSION = 1

    activity_id: str
    account_id: str
    kind: ActivityKind
    at: AwareDatetime
    actor_id: str | None = None
    client_address: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class RegisterAccountRequest(Request):
    fiscal_code: FiscalCode
    registration_pin: RegistrationPin = Field(repr=False)
    username: Username
    password: Password
    # Defaults to the address the back-office onboarded the customer with.
    email: Email | None = None


class RegisterAccountReply(Contract):
    account_id: str
    username: str
    email: Email  # where the account's mail goes
    # The address typed at registration, until its confirmation link is followed.
    pending_email: Email | None = None


class LogInRequest(Request):
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=80)]
    password: Password


# A refresh token as a client sends it back: never shown in a repr or a log line.
RefreshToken = Annotated[str, StringConstraints(max_length=200), Field(repr=False)]


class RefreshSessionRequest(Request):
    refresh_token: RefreshToken


class EndSessionRequest(Request):
    """Log out: the refresh token of the session to end."""

    refresh_token: RefreshToken


class SessionEndedReply(Contract):
    """The same answer whether the token was live, spent, expired or never issued (RFC 7009)."""


class SessionReply(Contract):
    """Tokens handed to the client after log-in or refresh."""

    access_token: str = Field(repr=False)
    refresh_token: str = Field(repr=False)
    token_type: str = "Bearer"  # noqa: S105 (the scheme's name)
    expires_in: int  # seconds the access token lives


class ProfileRequest(Request):
    pass


class ProfileReply(Contract):
    account_id: str
    username: str
    email: Email
    full_name: str
    fiscal_code: FiscalCode
    role: Role
    customer_codes: tuple[CustomerCode, ...]
    registered_at: datetime
    # An address waiting for its confirmation link to be followed (`email` is where mail goes).
    pending_email: Email | None = None
    phone: str | None = None  # the mobile number, once confirmed by its code
    preferred_channel: str = "email"  # how customer service should contact the user
    preferred_times: tuple[str, ...] = ()  # when: morning, afternoon, evening


class ScopeRequest(Request):
    account_id: str


class ScopeReply(Contract):
    """What an account may act on; the gateway caches it briefly."""

    account_id: str
    role: Role
    customer_codes: tuple[CustomerCode, ...]


REGISTER_ACCOUNT = Operation(
    "identity.account.register",
    RegisterAccountRequest,
    RegisterAccountReply,
    needs_caller=False,
    command=True,
)
# Log-in and refresh are not replayed from a stored answer: that answer holds fresh tokens.
LOG_IN = Operation("identity.session.open", LogInRequest, SessionReply, needs_caller=False)
REFRESH_SESSION = Operation(
    "identity.session.refresh", RefreshSessionRequest, SessionReply, needs_caller=False
)
# Ending a session twice ends it once: nothing to store for a retry.
END_SESSION = Operation(
    "identity.session.end", EndSessionRequest, SessionEndedReply, needs_caller=False
)
GET_PROFILE = Operation("identity.profile.get", ProfileRequest, ProfileReply)
# Asked by the gateway itself, to learn a token's scope.
GET_SCOPE = Operation("identity.scope.get", ScopeRequest, ScopeReply, needs_caller=False)
