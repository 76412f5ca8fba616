"""The wrappers the kit puts around every handler: the one safe way to consume and to answer.

FastStream parses the message into the wrapper's typed argument first, so a message that does
not parse never reaches a handler (the middleware dead-letters it); whatever the handler raises
is a failure of handling (`HandlerFailed`: retried for an event, a 500 for a request), except
the refusals and poison it raises on purpose.
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from sportello_contracts.base import Contract
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.rpc import ErrorKind, Operation, Refused, Request
from sportello_kit import faults
from sportello_kit.commands import CommandReplies, command_key
from sportello_kit.errors import HandlerFailed, PoisonMessage
from sportello_kit.inbox import Inbox, Parking
from sportello_kit.logs import current_correlation_id
from sportello_kit.middleware import current_message
from sportello_kit.mongo import Database, unavailable
from sportello_kit.outbox import Outbox
from sportello_kit.topology import ATTEMPT, IDEMPOTENCY_KEY
from sportello_kit.transaction import Transaction


def database_unavailable() -> Refused:
    return Refused(
        ErrorKind.UNAVAILABLE,
        "database_unavailable",
        "Il servizio è momentaneamente non disponibile. Riprova tra poco.",
    )


def unauthenticated() -> Refused:
    return Refused(ErrorKind.UNAUTHENTICATED, "unauthenticated", "Autenticazione richiesta.")


@dataclass(frozen=True)
class Handling:
    """A service's stores that every handler's transaction writes to."""

    producer: str
    database: Database
    outbox: Outbox
    inbox: Inbox
    parking: Parking
    replies: CommandReplies
    retry_delays: tuple[float, ...] = ()

    def transaction_for(
        self,
        session: AsyncClientSession,
        cause: Event[Any] | None = None,
        queue: str | None = None,
    ) -> Transaction:
        return Transaction(
            session,
            self.outbox,
            self.parking,
            producer=self.producer,
            correlation_id=cause.correlation_id if cause else current_correlation_id(),
            cause=cause,
            queue=queue,
            attempt=_attempt(),
            retry_delays=self.retry_delays,
        )


def _attempt() -> int:
    """The attempt of the message being handled (1 unless it came back from a retry)."""
    msg = current_message.get()
    try:
        return max(int(msg.headers.get(ATTEMPT, 1)), 1) if msg is not None else 1
    except (TypeError, ValueError):
        return 1


def event_consumer(
    handling: Handling,
    subscription: str,
    queue: str,
    payload: type[EventPayload],
    handler: Callable[..., Awaitable[None]],
    transactional: bool,
) -> Callable[..., Awaitable[None]]:
    """What FastStream calls for one subscription: the handler, once per event."""

    async def consume(message: Event[Any]) -> None:
        event = message
        try:
            if transactional:
                await _in_transaction(handling, subscription, queue, event, handler)
            else:
                await handler(event)
        except PoisonMessage:
            raise
        except Exception as error:
            raise HandlerFailed(error) from error

    return _typed(consume, handler, Event[payload], None)  # type: ignore[valid-type]


async def _in_transaction(
    handling: Handling,
    subscription: str,
    queue: str,
    event: Event[Any],
    handler: Callable[..., Awaitable[None]],
) -> None:
    key = f"{subscription}:{event.event_id}"

    async def work(session: AsyncClientSession) -> None:
        if await handling.inbox.seen(key, session):
            return
        tx = handling.transaction_for(session, cause=event, queue=queue)
        await handler(event, tx)
        if tx.parked_for is None:
            await handling.inbox.record(key, session)
            return
        await handling.parking.park(
            key,
            tx.parked_for,
            queue,
            str(event.event_id),
            event.correlation_id,
            event.model_dump_json(),
            session,
        )

    await handling.database.transaction(work)


def request_consumer(
    handling: Handling,
    operation: Operation[Any, Any],
    handler: Callable[..., Awaitable[Contract]],
) -> Callable[..., Awaitable[Contract]]:
    """What FastStream calls for one operation: the caller check, idempotency, the handler."""

    async def answer(message: Request) -> Contract:
        request = message
        if operation.needs_caller and request.caller is None:
            raise unauthenticated()
        try:
            if operation.command:
                return await _command(handling, operation, request, handler)
            return await handler(request)
        except Refused:
            raise
        except Exception as error:
            if unavailable(error):
                raise database_unavailable() from error
            raise HandlerFailed(error) from error

    return _typed(answer, handler, operation.request, operation.reply)


async def _command(
    handling: Handling,
    operation: Operation[Any, Any],
    request: Request,
    handler: Callable[..., Awaitable[Contract]],
) -> Contract:
    key = command_key(operation.name, request, _idempotency_key())

    async def work(session: AsyncClientSession) -> Contract | dict[str, Any]:
        stored = await handling.replies.stored(key, request, session)
        if stored is not None:
            return stored
        reply = await handler(request, handling.transaction_for(session))
        await handling.replies.store(key, request, reply.model_dump(mode="json"), session)
        return reply

    try:
        result = await handling.database.transaction(work)
    except DuplicateKeyError:
        # The same command, retried while the first was running, committed first.
        stored = await handling.replies.stored(key, request)
        if stored is None:
            raise
        result = stored
    faults.crash_point(f"after-commit:{operation.name}")
    if isinstance(result, Contract):
        return result  # checked by its model already: not validated again
    reply: Contract = operation.reply.model_validate(result)
    return reply


def _idempotency_key() -> str:
    msg = current_message.get()
    if msg is None:
        return current_correlation_id()
    key = msg.headers.get(IDEMPOTENCY_KEY)
    return str(key) if key else str(msg.message_id or msg.correlation_id)


def _typed(
    wrapper: Callable[..., Any], handler: Callable[..., Any], message: Any, reply: Any
) -> Callable[..., Any]:
    """Give `wrapper` the one typed argument FastStream parses (and documents in AsyncAPI)."""
    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("message", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=message)],
        return_annotation=reply,
    )
    wrapper.__annotations__ = {"message": message, "return": reply}
    return wrapper
