"""What happens to every consumed message around its handler: replies, retries, dead letters.

A message on a request queue gets a `Reply` (the result, or a typed error); one that does not
parse, or that has nobody to answer, is also dead-lettered. On an event queue:
- a message that does not parse, or that the handler calls poison, is dead-lettered at once,
  untouched, with the reason in a header;
- a handler failure is retried: the message waits in the retry queue of the next delay (1 s,
  5 s, 30 s, 2 min, 10 min by default), carrying its attempt number and the last error, and
  comes back to its queue; after the last delay it is dead-lettered with that error;
- a message that cannot be moved (the broker does not confirm the retry or dead-letter copy) is
  rejected back to its queue, where the broker's delivery limit dead-letters it in the end.
"""

import json
import logging
import time
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream import BaseMiddleware
from faststream.exceptions import RejectMessage
from faststream.message import StreamMessage
from faststream.rabbit import RabbitResponse
from pydantic import BaseModel, ValidationError

from sportello_contracts.rpc import Document, ErrorKind, Refused, Reply, ServiceError
from sportello_kit.claims import ClaimHeld
from sportello_kit.errors import HandlerFailed, PoisonMessage
from sportello_kit.logs import correlation_id
from sportello_kit.publisher import Outgoing, Publisher, PublishFailed
from sportello_kit.topology import (
    ATTEMPT,
    CORRELATION_ID,
    DEAD_LETTER_QUEUE,
    DEAD_LETTER_REASON,
    DEADLINE,
    DOCUMENT_FILENAME,
    DOCUMENT_SHA256,
    LAST_ERROR,
    Topology,
)

log = logging.getLogger(__name__)

# The message being handled, for the handler wrappers (deadline, idempotency key).
current_message: ContextVar[StreamMessage[Any] | None] = ContextVar("current_message", default=None)

# Headers the broker sets on a delivery: not carried over to a copy.
_BROKER_HEADERS = ("x-delivery-count",)


def describe(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Validation errors as the caller may see them: where and what, never the input values."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(message)", "problem": e["msg"]}
        for e in errors
    ]


@dataclass(frozen=True)
class Delivery:
    """What the middleware needs to move messages: names, a confirmed publisher, the delays."""

    topology: Topology
    publisher: Publisher
    retry_delays: tuple[float, ...]


class ServiceMiddleware(BaseMiddleware):
    delivery: Delivery  # set by `bind`

    @classmethod
    def bind(cls, delivery: Delivery) -> type["ServiceMiddleware"]:
        return type(cls.__name__, (cls,), {"delivery": delivery})

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        queue: str = self.context.get_local("handler_").queue.name
        # Requests carry the HTTP request's id in a header (their AMQP correlation id is the
        # call's own).
        token = correlation_id.set(msg.headers.get(CORRELATION_ID) or msg.correlation_id or None)
        current = current_message.set(msg)
        try:
            if self.delivery.topology.is_rpc_queue(queue):
                reply = await self._answer(call_next, msg, queue)
                # Not mandatory: the broker treats direct reply-to as no queue, so it would
                # return every mandatory reply, delivered or not (an error line per request).
                # A reply whose caller is gone is worth nothing anyway.
                if isinstance(reply, Document):
                    return _document_response(reply)
                return None if reply is None else RabbitResponse(reply, mandatory=False)
            return await self._handle_event(call_next, msg, queue)
        finally:
            current_message.reset(current)
            correlation_id.reset(token)

    async def _answer(
        self, call_next: Any, msg: StreamMessage[Any], queue: str
    ) -> Reply | Document | None:
        if not msg.reply_to:
            await self._dead_letter(msg, queue, "a request without reply_to: nobody to answer")
            return None
        deadline = msg.headers.get(DEADLINE)
        if isinstance(deadline, int) and deadline < time.time() * 1000:
            # The caller has given up already: doing the work now would only add load.
            return Reply(error=_error(ErrorKind.UNAVAILABLE, "service_unavailable", _EXPIRED))
        try:
            result: BaseModel = await call_next(msg)
        except (json.JSONDecodeError, UnicodeDecodeError):
            await self._dead_letter(msg, queue, "body is not JSON")
            return Reply(error=_invalid([{"field": "(message)", "problem": "not JSON"}]))
        except ValidationError as error:
            problems = describe(error.errors())
            await self._dead_letter(msg, queue, _reason(problems))
            return Reply(error=_invalid(problems))
        except Refused as refusal:
            return Reply(error=refusal.error)
        except HandlerFailed as failure:
            log.error("request handler failed", exc_info=failure.error)
            return Reply(error=_error(ErrorKind.INTERNAL, "internal_error", _INTERNAL))
        if isinstance(result, Document):
            return result
        # Built without validation: `result` was checked by its model, and its JSON form is JSON.
        return Reply.model_construct(result=result.model_dump(mode="json"), error=None)

    async def _handle_event(self, call_next: Any, msg: StreamMessage[Any], queue: str) -> None:
        try:
            await call_next(msg)
        except ValidationError as error:
            await self._dead_letter(msg, queue, _reason(describe(error.errors())))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            await self._dead_letter(msg, queue, f"body is not JSON: {error}")
        except PoisonMessage as error:
            await self._dead_letter(msg, queue, error.reason)
        except HandlerFailed as failure:
            await self._retry(msg, queue, failure.error)

    async def _retry(self, msg: StreamMessage[Any], queue: str, error: BaseException) -> None:
        attempt = _int(msg.headers.get(ATTEMPT), default=1)
        failure = f"{type(error).__name__}: {error}"[:500]
        delays = self.delivery.retry_delays
        if isinstance(error, ClaimHeld) and delays:
            # Not a failure: another delivery is doing the effect (or died doing it and its
            # lease runs out). Look again once the lease is over, without spending an attempt.
            await self._come_back(msg, queue, _first_after(delays, error.until), attempt, failure)
            return
        if attempt > len(delays):
            await self._dead_letter(
                msg, queue, f"failed {attempt} times; last: {failure}", {LAST_ERROR: failure}
            )
            return
        delay = delays[attempt - 1]
        log.warning(
            "event handler failed (attempt %d of %d), retrying in %s s: %s",
            attempt,
            len(delays) + 1,
            delay,
            failure,
        )
        await self._come_back(msg, queue, delay, attempt + 1, failure)

    async def _come_back(
        self, msg: StreamMessage[Any], queue: str, delay: float, attempt: int, failure: str
    ) -> None:
        """Send the message to wait `delay` in its retry queue, then back to `queue`."""
        retry = Outgoing(
            body=msg.body,
            exchange=self.delivery.topology.retry_name(delay),
            routing_key=queue,  # where `redeliver` sends it back when its wait is over
            headers={**_carried(msg.headers), ATTEMPT: attempt, LAST_ERROR: failure},
            message_id=msg.message_id,
            correlation_id=msg.correlation_id,
            content_type=msg.content_type,
            expiration_ms=round(delay * 1000),
        )
        await self._move(msg, queue, retry)

    async def _dead_letter(
        self,
        msg: StreamMessage[Any],
        queue: str,
        reason: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish the message, untouched, to its queue's dead letters; the caller acks it."""
        log.error("dead-lettering a message from %s: %s", queue, reason)
        dead = Outgoing(
            body=msg.body,
            exchange=self.delivery.topology.dead_letters.name,
            routing_key=queue,
            headers={
                **_carried(msg.headers),
                **(extra or {}),
                DEAD_LETTER_REASON: reason[:1000],
                DEAD_LETTER_QUEUE: queue,
            },
            message_id=msg.message_id,
            correlation_id=msg.correlation_id,
            content_type=msg.content_type,
        )
        await self._move(msg, queue, dead)

    async def _move(self, msg: StreamMessage[Any], queue: str, copy: Outgoing) -> None:
        try:
            await self.delivery.publisher.publish(copy)
        except PublishFailed as error:
            if self.delivery.topology.is_rpc_queue(queue):
                # A request queue has no delivery limit to end a loop, and a request is worth
                # nothing once its deadline passed: the broker dead-letters it if it can.
                log.error(
                    "could not dead-letter a request %s on %s (%s)", msg.message_id, queue, error
                )
                raise RejectMessage(requeue=False) from None
            # Acking now could lose the event: it goes back to its queue instead. A reject
            # counts toward the queue's delivery limit on every RabbitMQ version, so the broker
            # dead-letters it in the end even if this keeps failing.
            log.error(
                "could not move a message of %s (%s): returning it to its queue", queue, error
            )
            raise RejectMessage(requeue=True) from None


_EXPIRED = "the request expired before it was handled"
_INTERNAL = "Errore interno del servizio."


def _first_after(delays: tuple[float, ...], until: datetime) -> float:
    """The shortest retry delay that ends after `until` (the longest if none does)."""
    wait = (until - datetime.now(UTC)).total_seconds()
    return min((d for d in delays if d >= wait), default=max(delays))


def _carried(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in headers.items() if k not in _BROKER_HEADERS}


def _int(value: Any, default: int) -> int:
    try:
        return max(int(value), default)
    except (TypeError, ValueError):
        return default


def _reason(problems: list[dict[str, str]]) -> str:
    return "; ".join(f"{p['field']}: {p['problem']}" for p in problems)


def _error(kind: ErrorKind, code: str, message: str) -> ServiceError:
    return ServiceError(kind=kind, code=code, message=message)


def _invalid(errors: list[dict[str, str]]) -> ServiceError:
    return ServiceError(
        kind=ErrorKind.INVALID,
        code="invalid_request",
        message="La richiesta non è valida.",
        details={"errors": errors},  # type: ignore[dict-item]
    )


def _document_response(document: Document) -> RabbitResponse:
    """A file as the reply: its bytes as they are (no JSON, no base64), its name in a header."""
    return RabbitResponse(
        document.content,
        mandatory=False,
        content_type=document.media_type,
        headers={DOCUMENT_FILENAME: document.filename, DOCUMENT_SHA256: document.sha256},
    )
