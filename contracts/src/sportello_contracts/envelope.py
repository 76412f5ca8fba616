"""The event envelope: identity, type, version and tracing of every domain event."""

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, model_validator

from sportello_contracts.base import Contract


class EventPayload(Contract):
    """The body of one kind of event; subclasses name their routing key and version."""

    ROUTING_KEY: ClassVar[str]  # `<producer>.<entity>.<verb>`
    VERSION: ClassVar[int] = 1
    # It carries a secret (a registration PIN): its dead letters are kept for hours, not days.
    SECRET: ClassVar[bool] = False


P = TypeVar("P", bound=EventPayload)


class Event(Contract, Generic[P]):
    """What travels on the events exchange; a consumer reads `Event[TheKindItWants]`."""

    event_id: UUID
    type: str
    version: int
    occurred_at: AwareDatetime
    producer: str
    correlation_id: str
    causation_id: str | None = None
    payload: P

    @model_validator(mode="before")
    @classmethod
    def _is_the_expected_kind(cls, data: Any) -> Any:
        # Checked before the payload so that a message of another version is refused for its
        # version, not for whichever payload field happens to differ.
        payload_type = cls.model_fields["payload"].annotation
        if not (isinstance(payload_type, type) and issubclass(payload_type, EventPayload)):
            return data
        if isinstance(data, dict):
            kind, version = data.get("type"), data.get("version")
            if kind != payload_type.ROUTING_KEY:
                raise ValueError(f"event type {kind!r} is not {payload_type.ROUTING_KEY!r}")
            if version != payload_type.VERSION:
                raise ValueError(
                    f"unsupported version {version!r} of {kind}: "
                    f"this consumer reads version {payload_type.VERSION}"
                )
        return data

    @classmethod
    def new(
        cls,
        payload: P,
        *,
        producer: str,
        correlation_id: str,
        causation_id: str | None = None,
        event_id: UUID | None = None,
    ) -> Self:
        return cls(
            event_id=event_id or uuid4(),
            type=payload.ROUTING_KEY,
            version=payload.VERSION,
            occurred_at=datetime.now(UTC),
            producer=producer,
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=payload,
        )
