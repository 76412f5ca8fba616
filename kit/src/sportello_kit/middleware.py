"""How every consumed message is handled around its handler: replies, retries, dead letters.

A message with `reply_to` is a request: whatever happens, the caller gets a `Reply` (the result,
or a typed error). Any other message is an event: a handler failure is retried by the broker up
to the queue's delivery limit, while a message that can never be handled (malformed, unknown
version, breaking a rule) is dead-lettered at once with the reason in a header.
"""

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from faststream import BaseMiddleware
from faststream.exceptions import NackMessage
from faststream.message import StreamMessage
from pydantic import BaseModel, ValidationError

from sportello_contracts.rpc import ErrorKind, Refused, Reply, ServiceError
from sportello_kit.errors import PoisonMessage
from sportello_kit.logs import correlation_id
from sportello_kit.topology import (
    CORRELATION_ID,
    DEAD_LETTER_QUEUE,
    DEAD_LETTER_REASON,
    DEADLINE,
    Topology,
)

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 0.2  # before the n-th redelivery: n times this, at most MAX_RETRY_PAUSE
MAX_RETRY_PAUSE_SECONDS = 5.0


def describe(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Validation errors as the caller may see them: where and what, never the input values."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(message)", "problem": e["msg"]}
        for e in errors
    ]


class ServiceMiddleware(BaseMiddleware):
    topology: Topology  # set by `bind`

    @classmethod
    def bind(cls, topology: Topology) -> type["ServiceMiddleware"]:
        return type(cls.__name__, (cls,), {"topology": topology})

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        # Requests carry the HTTP request's id in a header (their AMQP correlation id is the
        # call's own).
        token = correlation_id.set(msg.headers.get(CORRELATION_ID) or msg.correlation_id or None)
        try:
            if msg.reply_to:
                return await self._answer(call_next, msg)
            return await self._handle_event(call_next, msg)
        finally:
            correlation_id.reset(token)

    async def _answer(self, call_next: Any, msg: StreamMessage[Any]) -> Reply:
        deadline = msg.headers.get(DEADLINE)
        if isinstance(deadline, int) and deadline < time.time() * 1000:
            # The caller has given up already: doing the work now would only add load.
            return Reply(error=_unavailable("the request expired before it was handled"))
        try:
            result: BaseModel = await call_next(msg)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return Reply(error=_invalid([{"field": "(message)", "problem": "not JSON"}]))
        except ValidationError as error:
            return Reply(error=_invalid(describe(error.errors())))
        except Refused as refusal:
            return Reply(error=refusal.error)
        except Exception:
            log.exception("request handler failed")
            return Reply(error=_unavailable("the service could not complete the request"))
        return Reply(result=result.model_dump(mode="json"))

    async def _handle_event(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        try:
            return await call_next(msg)
        except ValidationError as error:
            await self._dead_letter(
                msg, "; ".join(f"{e['field']}: {e['problem']}" for e in describe(error.errors()))
            )
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            await self._dead_letter(msg, f"body is not JSON: {error}")
        except PoisonMessage as error:
            await self._dead_letter(msg, error.reason)
        except Exception as error:
            attempt = int(msg.headers.get("x-delivery-count") or 0) + 1
            log.warning("event handler failed (attempt %d), will retry: %r", attempt, error)
            # A pause so a dependency that is down is not hammered until the delivery limit.
            await asyncio.sleep(min(attempt * RETRY_PAUSE_SECONDS, MAX_RETRY_PAUSE_SECONDS))
            raise NackMessage(requeue=True) from error
        return None

    async def _dead_letter(self, msg: StreamMessage[Any], reason: str) -> None:
        """Publish the message, untouched, to its queue's dead-letter queue; the caller acks it."""
        queue_name = self.context.get_local("handler_").queue.name
        log.error("dead-lettering a message from %s: %s", queue_name, reason)
        broker = self.context.get("broker")
        headers = {**msg.headers, DEAD_LETTER_REASON: reason[:1000], DEAD_LETTER_QUEUE: queue_name}
        await broker.publish(
            msg.body,
            exchange=self.topology.dead_letters,
            routing_key=queue_name,
            headers=headers,
            content_type=msg.content_type,
            correlation_id=msg.correlation_id,
            message_id=msg.message_id,
            persist=True,
            mandatory=True,
        )


def _unavailable(message: str) -> ServiceError:
    return ServiceError(kind=ErrorKind.UNAVAILABLE, code="service_unavailable", message=message)


def _invalid(errors: list[dict[str, str]]) -> ServiceError:
    return ServiceError(
        kind=ErrorKind.INVALID,
        code="invalid_request",
        message="La richiesta non è valida.",
        details={"errors": errors},  # type: ignore[dict-item]
    )
