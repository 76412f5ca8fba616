"""Request/reply: operations, the caller every request carries, and the typed error reply."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import Field, IPvAnyAddress, JsonValue

from sportello_contracts.base import Contract

Role = Literal["customer", "administrator", "operator"]


class Caller(Contract):
    """Who asks, resolved by the gateway: services filter every query by these codes too."""

    user_id: str
    role: Role
    customer_codes: tuple[str, ...] = ()
    # The session (refresh-token line) the caller's access token was issued in: what "log out
    # everywhere else" keeps, and what a password change spares.
    session_id: str | None = None
    # An operator's permissions (`accounts.read`...), as identity grants them: none until the
    # operator has a second factor. Empty for customers and administrators.
    permissions: tuple[str, ...] = ()

    def may_act_on(self, customer_code: str) -> bool:
        return self.role == "operator" or customer_code in self.customer_codes


class ErrorKind(StrEnum):
    """The family of a failure; the gateway maps each to one HTTP status.

    A `TOO_MANY` or `UNAVAILABLE` refusal says when to try again in `details[RETRY_AFTER]`
    (whole seconds): the gateway turns it into the `Retry-After` header.
    """

    INVALID = "invalid"  # the request breaks a rule: 422
    UNAUTHENTICATED = "unauthenticated"  # 401
    FORBIDDEN = "forbidden"  # 403
    NOT_FOUND = "not_found"  # 404
    CONFLICT = "conflict"  # 409: it clashes with what exists
    TOO_MANY = "too_many"  # 429
    UNAVAILABLE = "unavailable"  # 503: try again later
    INTERNAL = "internal"  # 500: a bug in the service, logged there with the request id


# The key of a refusal's details saying, in whole seconds, when to try again.
RETRY_AFTER = "retry_after"


class ServiceError(Contract):
    """A typed failure: `code` is a stable slug clients may branch on (`username_taken`)."""

    kind: ErrorKind
    code: str
    message: str
    details: dict[str, JsonValue] = {}


class Reply(Contract):
    """The wire shape of every reply: exactly one of `result` and `error`."""

    result: dict[str, JsonValue] | None = None
    error: ServiceError | None = None


class Request(Contract):
    """Base of every request; `caller` is absent only for anonymous operations (register, login)."""

    caller: Caller | None = None
    # Where the HTTP request came from, as the gateway established it (it trusts forwarded
    # headers only from its configured proxies): limits on guessing and audit trails per client.
    client_address: IPvAnyAddress | None = None


Req = TypeVar("Req", bound=Request)
Rep = TypeVar("Rep", bound=Contract)


@dataclass(frozen=True)
class Operation(Generic[Req, Rep]):
    """One request/reply operation: `<service>.<entity>.<action>`, served on its own queue."""

    name: str
    request: type[Req]
    reply: type[Rep]
    # A change that breaks callers gets a new version, served beside the old one meanwhile; a
    # caller of a version nobody serves is refused at once, never misunderstood.
    version: int = 1
    # Refused before its handler runs when the request has no caller (anonymous operations:
    # register, log in, refresh, and what the gateway asks for itself).
    needs_caller: bool = True
    # A command changes data: it carries an idempotency key, and a retry with the same key gets
    # the first answer instead of doing the work again.
    command: bool = False

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def address(self) -> str:
        """Where it is served: the name and the version."""
        return f"{self.name}.v{self.version}"


class Refused(Exception):
    """Raised by a request handler (or the domain code it calls) to answer with a typed error."""

    def __init__(
        self,
        kind: ErrorKind,
        code: str,
        message: str,
        details: dict[str, JsonValue] | None = None,
    ) -> None:
        super().__init__(message)
        self.error = ServiceError(kind=kind, code=code, message=message, details=details or {})


class Document(Contract):
    """A file as a reply (a bill's PDF): its bytes travel as the reply message's body, never
    inside JSON; the rest in its headers."""

    media_type: str
    filename: str
    sha256: str  # of the content: the ETag the gateway gives it
    # Not part of its JSON form (which is all the schema snapshot and AsyncAPI show).
    content: bytes = Field(b"", exclude=True, repr=False)
