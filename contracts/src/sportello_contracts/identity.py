"""Identity's language: accounts, sessions, the caller's scope."""

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, JsonValue, StringConstraints

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


# The client's `User-Agent`, as the gateway passes it on (cut to this length): the device a
# session is shown with in the list of sessions.
UserAgent = Annotated[str, StringConstraints(max_length=512)]
USER_AGENT_MAX_LENGTH = 512


class LogInRequest(Request):
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=80)]
    password: Password
    user_agent: UserAgent | None = None


# A refresh token as a client sends it back: never shown in a repr or a log line.
RefreshToken = Annotated[str, StringConstraints(max_length=200), Field(repr=False)]


class RefreshSessionRequest(Request):
    refresh_token: RefreshToken
    user_agent: UserAgent | None = None


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
    # None for staff: operators and administrators have no fiscal identity of their own.
    fiscal_code: FiscalCode | None
    role: Role
    customer_codes: tuple[CustomerCode, ...]
    registered_at: datetime
    # Whether a log-in takes a second step; an operator's permissions in force (none until then).
    totp_enabled: bool = False
    permissions: tuple[str, ...] = ()
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
    # The account's sessions ended within the last access-token lifetime: their access tokens
    # (claim `sid`) are refused at once, before they expire.
    ended_sessions: tuple[str, ...] = ()
    # An operator's permissions in force (none until its second factor is enrolled).
    permissions: tuple[str, ...] = ()


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


# Accounts of the older portal (issue 16, item 9)

# A username as the older portal allowed it: any characters, compared as log-in compares them
# (`LogInRequest`: trimmed, lower case, at most 80), so it may break today's `Username` rules.
LegacyUsername = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=80)
]
# The older portal's password hash as it stored it (bcrypt, PBKDF2-SHA256, SHA-1 or MD5 hex):
# verified by identity, which refuses a format it does not know. Never in a repr or a log.
LegacyPasswordHash = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400), Field(repr=False)
]


class ImportLegacyAccountRequest(Request):
    """An operator brings one account of the older portal over, with its old credentials."""

    username: LegacyUsername
    password_hash: LegacyPasswordHash
    fiscal_code: FiscalCode
    customer_codes: Annotated[tuple[CustomerCode, ...], Field(min_length=1, max_length=50)]
    email: Email
    # Defaults to the name the back-office onboarded the customer with, if it did.
    full_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None


class ImportLegacyAccountReply(Contract):
    account_id: str
    username: str
    email: Email
    password_scheme: str  # the older portal's scheme found, replaced at the first log-in


IMPORT_LEGACY_ACCOUNT = Operation(
    "identity.legacy_account.import",
    ImportLegacyAccountRequest,
    ImportLegacyAccountReply,
    command=True,
)


# Passkeys (issue 16, item 10): WebAuthn credentials to sign in with instead of the password

# A browser's answer to a WebAuthn ceremony, as `PublicKeyCredential.toJSON()` gives it.
PasskeyCredential = Annotated[dict[str, JsonValue], Field(repr=False)]
PasskeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class PasskeyOptionsReply(Contract):
    """The options to hand `navigator.credentials.create()` or `.get()` (`publicKey`), with a
    challenge good once and for a few minutes."""

    public_key: dict[str, JsonValue]


class BeginPasskeyRegistrationRequest(Request):
    pass


class FinishPasskeyRegistrationRequest(Request):
    name: PasskeyName
    credential: PasskeyCredential


class PasskeyReply(Contract):
    passkey_id: str
    name: str
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None = None
    transports: tuple[str, ...] = ()


class ListPasskeysRequest(Request):
    pass


class PasskeysReply(Contract):
    passkeys: tuple[PasskeyReply, ...]


class DeletePasskeyRequest(Request):
    passkey_id: Annotated[str, StringConstraints(max_length=64)]


class PasskeyDeletedReply(Contract):
    pass


class BeginPasskeySignInRequest(Request):
    """Usernameless: any passkey of this site the browser holds may answer."""


class FinishPasskeySignInRequest(Request):
    credential: PasskeyCredential
    user_agent: UserAgent | None = None  # filled in by the gateway: the session list's device


BEGIN_PASSKEY_REGISTRATION = Operation(
    "identity.passkey.registration_begin", BeginPasskeyRegistrationRequest, PasskeyOptionsReply
)
FINISH_PASSKEY_REGISTRATION = Operation(
    "identity.passkey.register", FinishPasskeyRegistrationRequest, PasskeyReply, command=True
)
LIST_PASSKEYS = Operation("identity.passkey.list", ListPasskeysRequest, PasskeysReply)
DELETE_PASSKEY = Operation(
    "identity.passkey.delete", DeletePasskeyRequest, PasskeyDeletedReply, command=True
)
BEGIN_PASSKEY_SIGN_IN = Operation(
    "identity.passkey.sign_in_begin",
    BeginPasskeySignInRequest,
    PasskeyOptionsReply,
    needs_caller=False,
)
# Not replayed from a stored answer: it holds fresh tokens (as log-in).
FINISH_PASSKEY_SIGN_IN = Operation(
    "identity.passkey.sign_in", FinishPasskeySignInRequest, SessionReply, needs_caller=False
)


# Signing keys and sessions (issue 16): identity alone signs; the gateway verifies with these.


class SessionsEnded(EventPayload):
    """Sessions of an account ended (log-out, revoked, log-out everywhere, a reused refresh).

    Every gateway forgets the scope it cached for the account, so the sessions' access tokens
    are refused from the next request on.
    """

    ROUTING_KEY = "identity.sessions.ended"
    VERSION = 1

    account_id: str
    session_ids: tuple[str, ...]


class PublicKey(Contract):
    """One public key of identity's, as a JSON Web Key (RFC 7517; Ed25519 per RFC 8037)."""

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str = "sig"


class PublicKeysRequest(Request):
    pass


class PublicKeysReply(Contract):
    """Identity's JWKS: every key whose tokens may still be alive, and the next one to sign."""

    keys: tuple[PublicKey, ...]


class SessionSummary(Contract):
    """One of the caller's sessions, as the list of sessions shows it."""

    session_id: str
    device: str  # readable: "Firefox su Windows"
    client_address: str | None
    created_at: AwareDatetime
    last_used_at: AwareDatetime
    current: bool  # the session the caller's own access token belongs to


class ListSessionsRequest(Request):
    pass


class SessionsReply(Contract):
    sessions: tuple[SessionSummary, ...]


class EndMySessionRequest(Request):
    """End one of the caller's sessions (another account's session id is not found)."""

    session_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class EndAllSessionsRequest(Request):
    """Log out everywhere; `keep_current` spares the session the request is made in."""

    keep_current: bool = False


class SessionsEndedReply(Contract):
    ended: int


GET_PUBLIC_KEYS = Operation(
    "identity.keys.get", PublicKeysRequest, PublicKeysReply, needs_caller=False
)
LIST_SESSIONS = Operation("identity.sessions.list", ListSessionsRequest, SessionsReply)
END_MY_SESSION = Operation(
    "identity.sessions.end", EndMySessionRequest, SessionsEndedReply, command=True
)
END_ALL_SESSIONS = Operation(
    "identity.sessions.end_all", EndAllSessionsRequest, SessionsEndedReply, command=True
)
