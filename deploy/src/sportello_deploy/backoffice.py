"""The back-office simulator: publishes the events the supplier's systems would.

Demo data, tests and benchmarks all feed Sportello through it, exactly as the real back-office:

    sportello-backoffice onboard --customer-code C00012345 --fiscal-code RSSMRA80A01H501U \\
        --name "Mario Rossi" --email mario.rossi@example.it --pin 48213907

and supplies and bills the same way (`supply-activate`, `supply-update`, `supply-cease`,
`bill-issue`, `bill-cancel`, `bill-credit`; `demo` publishes the demo customers, their supplies
and two years of their bills).

It refuses what the real back-office would never send (a fiscal code with a wrong check
character, a PDR for an electricity supply, an IBAN whose check digits do not match...), and
publishes as mandatory with publisher confirms: an event that no queue receives (a wrong
--prefix, a topology step that never ran) is an error and a non-zero exit, not a customer
silently lost.
"""

import os
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import aio_pika
from pydantic import Field

from sportello_contracts.backoffice import (
    CustomerOnboarded,
    RegistrationPin,
    RegistrationPinIssued,
)
from sportello_contracts.base import Contract
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode
from sportello_contracts.supplies import (
    DirectDebitPayment,
    SupplyActivated,
)
from sportello_deploy.identifiers import (
    check_fiscal_code,
    check_iban,
    check_point,
)
from sportello_kit.topology import Topology

PRODUCER = "backoffice"
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
# How long the broker may take to answer: a connection, a publisher confirm.
BROKER_SECONDS = 10.0


class NotPublished(RuntimeError):
    """An event that did not reach its consumers' queues; the message fits on one line."""


class NewCustomer(Contract):
    """A customer as the CRM creates it, with the PIN its welcome letter carries.

    Onboarding one publishes two events: `CustomerOnboarded` for every service, with no secret,
    and `RegistrationPinIssued` for identity alone. Its fields are checked for shape only, so
    tests can build the broken customers a faulty producer would send; `BackOffice.onboard`
    checks the fiscal code's check character as well.
    """

    customer_code: CustomerCode
    fiscal_code: FiscalCode
    full_name: str
    email: Email
    registration_pin: RegistrationPin = Field(repr=False)

    @property
    def onboarded(self) -> CustomerOnboarded:
        return CustomerOnboarded(
            customer_code=self.customer_code,
            fiscal_code=self.fiscal_code,
            full_name=self.full_name,
            email=self.email,
        )

    @property
    def pin_issued(self) -> RegistrationPinIssued:
        return RegistrationPinIssued(
            customer_code=self.customer_code,
            fiscal_code=self.fiscal_code,
            registration_pin=self.registration_pin,
        )


def check_supply(supply: SupplyActivated) -> None:
    """What the contract's shapes leave to the back-office's records: the point's format for
    the commodity, and a direct debit's IBAN and holder's fiscal code with their check digits.

    Raises `ValueError` naming the field, never repeating its value.
    """
    try:
        check_point(supply.commodity, supply.point_id)
    except ValueError as error:
        raise ValueError(f"point_id: {error}") from None
    if isinstance(supply.payment, DirectDebitPayment):
        for field, check, value in (
            ("iban", check_iban, supply.payment.iban),
            ("holder_fiscal_code", check_fiscal_code, supply.payment.holder_fiscal_code),
        ):
            try:
                check(value)
            except ValueError as error:
                raise ValueError(f"payment.{field}: {error}") from None


def broker_address(url: str) -> str:
    """`host:port` of an AMQP URL: what a message may show of it (never the password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}"


class BackOffice:
    """A publisher of back-office events: persistent, mandatory, with publisher confirms.

    Every failure to get an event into at least one queue raises `NotPublished`.
    """

    def __init__(self, rabbitmq_url: str, prefix: str) -> None:
        self.url = rabbitmq_url
        self.prefix = prefix
        self.topology = Topology(prefix)
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def __aenter__(self) -> Self:
        where = broker_address(self.url)
        try:
            self._connection = await aio_pika.connect(self.url, timeout=BROKER_SECONDS)
        except aio_pika.exceptions.ProbableAuthenticationError:
            raise NotPublished(
                f"RabbitMQ at {where} refused the user and password of the URL: "
                "check --rabbitmq-url (RABBITMQ_URL)"
            ) from None
        except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as error:
            raise NotPublished(
                f"cannot reach RabbitMQ at {where} ({_reason(error)}): start it, "
                "or point --rabbitmq-url (RABBITMQ_URL) at a running broker"
            ) from None
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        name = self.topology.events.name
        try:
            # Passive: the topology step declares the bus; an exchange missing here means a
            # wrong prefix, and declaring it would only hide that.
            self._exchange = await channel.get_exchange(name, ensure=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            await self._connection.close()
            raise NotPublished(
                f"RabbitMQ has no exchange {name}: check --prefix (BUS_PREFIX), or run "
                "sportello-topology for this prefix first"
            ) from None
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def onboard(
        self, customer: NewCustomer, event_ids: tuple[UUID, UUID] | None = None
    ) -> tuple[Event[EventPayload], Event[EventPayload]]:
        """The customer, then its PIN; fixed `event_ids` make re-publishing harmless.

        A fiscal code whose check character is wrong is refused (`ValueError`) before anything
        is published.
        """
        check_fiscal_code(customer.fiscal_code)
        onboarded_id, pin_id = event_ids or (None, None)
        return (
            await self.publish(customer.onboarded, event_id=onboarded_id),
            await self.publish(customer.pin_issued, event_id=pin_id),
        )

    async def activate_supply(
        self, supply: SupplyActivated, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """Publish a supply once `check_supply` accepts it (`ValueError` before anything is
        published otherwise); `publish` sends one unchecked, as a faulty producer would."""
        check_supply(supply)
        return await self.publish(supply, event_id=event_id)

    async def publish(
        self, payload: EventPayload, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """Publish `payload` in an envelope; a fixed `event_id` makes re-publishing harmless."""
        event: Event[EventPayload] = Event.new(
            payload, producer=PRODUCER, correlation_id=uuid4().hex, event_id=event_id
        )
        await self.publish_raw(
            event.model_dump_json().encode(), payload.ROUTING_KEY, message_id=str(event.event_id)
        )
        return event

    async def publish_raw(
        self, body: bytes, routing_key: str, message_id: str | None = None
    ) -> None:
        """Publish bytes as they are: how tests send what a broken producer would."""
        assert self._exchange is not None, "use BackOffice as an async context manager"
        try:
            await self._exchange.publish(
                aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message_id or uuid4().hex,
                    app_id=PRODUCER,
                ),
                routing_key=routing_key,
                mandatory=True,
                timeout=BROKER_SECONDS,
            )
        except aio_pika.exceptions.PublishError:  # returned by the broker: routed nowhere
            raise NotPublished(
                f"no queue receives {routing_key} on {self._exchange.name}, so nothing was "
                f"delivered: check --prefix (BUS_PREFIX, now {self.prefix!r}), or run "
                "sportello-topology for it"
            ) from None
        except aio_pika.exceptions.DeliveryError:  # nacked
            raise NotPublished(
                f"RabbitMQ refused {routing_key} (a queue over its limits?): see its log"
            ) from None
        except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as error:
            raise NotPublished(
                f"{routing_key} was not confirmed by RabbitMQ ({_reason(error)}): publish it "
                "again (consumers ignore an event they already handled)"
            ) from None


def _reason(error: BaseException) -> str:
    """A connection failure in a few words: "connection refused", not the socket's repr."""
    if isinstance(error, OSError) and isinstance(error.errno, int) and error.errno > 0:
        return os.strerror(error.errno).lower()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    if isinstance(error, TimeoutError):
        return f"no answer in {BROKER_SECONDS:g} s"
    return str(error) or type(error).__name__
