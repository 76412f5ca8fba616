"""The back-office simulator: publishes the events the supplier's systems would.

Demo data, tests and benchmarks all feed Sportello through it, exactly as the real back-office:

    sportello-backoffice onboard --customer-code C00012345 --fiscal-code RSSMRA80A01H501U \\
        --name "Mario Rossi" --email mario.rossi@example.it --pin 48213907
"""

import argparse
import asyncio
import os
import sys
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

import aio_pika
from pydantic import EmailStr, Field, ValidationError

from sportello_contracts.backoffice import (
    CustomerOnboarded,
    RegistrationPin,
    RegistrationPinIssued,
)
from sportello_contracts.base import Contract
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.formats import CustomerCode, FiscalCode
from sportello_kit.topology import Topology

PRODUCER = "backoffice"


class NewCustomer(Contract):
    """A customer as the CRM creates it, with the PIN its welcome letter carries.

    Onboarding one publishes two events: `CustomerOnboarded` for every service, with no secret,
    and `RegistrationPinIssued` for identity alone.
    """

    customer_code: CustomerCode
    fiscal_code: FiscalCode
    full_name: str
    email: EmailStr
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


class BackOffice:
    """A publisher of back-office events, with publisher confirms and persistent messages."""

    def __init__(self, rabbitmq_url: str, prefix: str) -> None:
        self.url = rabbitmq_url
        self.topology = Topology(prefix)
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect(self.url)
        channel = await self._connection.channel(publisher_confirms=True)
        events = self.topology.events
        self._exchange = await channel.declare_exchange(
            events.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
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
        """The customer, then its PIN; fixed `event_ids` make re-publishing harmless."""
        onboarded_id, pin_id = event_ids or (None, None)
        return (
            await self.publish(customer.onboarded, event_id=onboarded_id),
            await self.publish(customer.pin_issued, event_id=pin_id),
        )

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
        await self._exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id or uuid4().hex,
                app_id=PRODUCER,
            ),
            routing_key=routing_key,
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sportello-backoffice",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rabbitmq-url",
        default=os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    )
    parser.add_argument("--prefix", default=os.environ.get("BUS_PREFIX", "sportello"))
    commands = parser.add_subparsers(dest="command", required=True)
    onboard = commands.add_parser("onboard", help="a customer with its registration PIN")
    onboard.add_argument("--customer-code", required=True)
    onboard.add_argument("--fiscal-code", required=True)
    onboard.add_argument("--name", required=True)
    onboard.add_argument("--email", required=True)
    onboard.add_argument("--pin", required=True)
    commands.add_parser("demo", help="the demo customers")
    return parser


async def _main(args: argparse.Namespace) -> None:
    async with BackOffice(args.rabbitmq_url, args.prefix) as backoffice:
        if args.command == "demo":
            # Imported here: the demo module builds on this one.
            from sportello_deploy.demo import load_demo_customers

            await load_demo_customers(backoffice)
            print("demo customers published")
            return
        events = await backoffice.onboard(
            NewCustomer(
                customer_code=args.customer_code,
                fiscal_code=args.fiscal_code,
                full_name=args.name,
                email=args.email,
                registration_pin=args.pin,
            )
        )
        for event in events:
            print(f"published {event.type} {event.event_id}")


def main() -> None:
    args = _parser().parse_args()
    try:
        asyncio.run(_main(args))
    except ValidationError as error:
        sys.exit(f"invalid event: {error}")
