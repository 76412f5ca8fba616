"""The back-office simulator: publishes the events the supplier's systems would.

Demo data, tests and benchmarks all feed Sportello through it, exactly as the real back-office:

    sportello-backoffice onboard --customer-code C00012345 --fiscal-code RSSMRA80A01H501U \\
        --name "Mario Rossi" --email mario.rossi@example.it --pin 48213907

and supplies, bills and payments the same way (`supply-activate`, `supply-update`,
`supply-cease`, `bill-issue`, `bill-cancel`, `bill-credit`, `payment-register`,
`instalment-plan-approve`, `mandate-activate`, `mandate-refuse`), meters and readings too
(`meter-install`, `energy-prices`, `reading-progress`, `distributor-readings` and
`interval-days` in bulk); `demo` publishes the demo customers, their supplies, two years of
their bills and what they paid, their meters and readings.

It also reads what Sportello tells the back-office, from the back-office's own queues:
`payments-register-online` registers the online payments waiting there, `mandates-settle`
answers the direct-debit mandates waiting (activated, or refused), `refunds-due` lists the bills
paid twice, `readings-answer` answers the customers' readings as the distributor would.

It refuses what the real back-office would never send (a fiscal code with a wrong check
character, a PDR for an electricity supply, an IBAN whose check digits do not match...), and
publishes as mandatory with publisher confirms: an event that no queue receives (a wrong
--prefix, a topology step that never ran) is an error and a non-zero exit, not a customer
silently lost.
"""

import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5
from zoneinfo import ZoneInfo

import aio_pika
from pydantic import Field, JsonValue, ValidationError

from sportello_contracts.backoffice import (
    CustomerOnboarded,
    RegistrationPin,
    RegistrationPinIssued,
)
from sportello_contracts.base import Contract
from sportello_contracts.billing_profiles import DirectDebitRequested
from sportello_contracts.bills import Band
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode
from sportello_contracts.payments import (
    BillOverpaid,
    InstalmentPlanApproved,
    MandateActivated,
    MandateRefused,
    OnlinePaymentSucceeded,
    PaymentRegistered,
)
from sportello_contracts.readings import (
    BANDS,
    DAYS_PER_BATCH,
    READINGS_PER_BATCH,
    DistributorReading,
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDay,
    IntervalDaysPublished,
    MeterInstalled,
    MeterSpec,
    ReadingProgressed,
    ReadingStep,
    Register,
    RejectionReason,
    SelfReadingReceived,
)
from sportello_contracts.subscriptions import BACKOFFICE
from sportello_contracts.supplies import (
    Commodity,
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
# The back-office's calendar: a payment made at 00:30 in Rome was made that day.
ROME = ZoneInfo("Europe/Rome")


class NotPublished(RuntimeError):
    """An event that did not reach its consumers' queues; the message fits on one line."""


class NotRead(RuntimeError):
    """A back-office queue that could not be read; the message fits on one line."""


class Unusable(ValueError):
    """A message the back-office cannot act on; says why in one line, never with a secret."""


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


# Payments, instalment plans and mandates: the back-office's own ids make its events' ids, so
# sending one again (a re-run, a retry after a lost confirm) is an event consumers already had.


def backoffice_event_id(what: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"sportello-backoffice:{what}")


def registration_event_id(registration_id: str) -> UUID:
    """A registration sent twice is one payment (the contract's rule): one event too."""
    return backoffice_event_id(f"payment:{registration_id}")


def plan_event_id(plan_id: str) -> UUID:
    return backoffice_event_id(f"instalment-plan:{plan_id}")


def mandate_event_id(mandate_reference: str, outcome: str) -> UUID:
    return backoffice_event_id(f"mandate:{mandate_reference}:{outcome}")


def today_in_italy() -> date:
    return datetime.now(ROME).date()


def registration_of(paid: OnlinePaymentSucceeded, registered_on: date) -> PaymentRegistered:
    """What the back-office registers for an online payment Sportello told it of: its bill,
    amount and channel (the method paid with), the day paid in Italy, the payment's id echoed.

    The registration id is made from the payment id, so registering the payment again is the
    same registration (never a second payment). `Unusable` if no valid registration can say it.
    """
    paid_on = paid.paid_at.astimezone(ROME).date()
    try:
        return PaymentRegistered(
            registration_id=f"REG-{paid.payment_id}",
            bill_number=paid.bill_number,
            customer_code=paid.customer_code,
            amount_cents=paid.amount_cents,
            paid_on=paid_on,
            # Never before the payment, even with this machine's clock behind the payer's.
            registered_on=max(registered_on, paid_on),
            channel=paid.method,
            payment_id=paid.payment_id,
        )
    except ValidationError as error:
        raise Unusable(f"cannot be registered: {_first_error(error)}") from None


def iban_ending(iban: str, characters: int = 4) -> str:
    """The last characters of an IBAN: all of it a message may show."""
    return "".join(iban.split()).upper()[-characters:]


@dataclass(frozen=True)
class SettledMandate:
    """The back-office's answer to a direct-debit request, and what may be shown of it."""

    outcome: MandateActivated | MandateRefused
    customer_codes: tuple[str, ...]
    iban_ending: str  # its last 4 characters, never more


# Why the bank refused a mandate, when nobody says: in Italian (the customer reads it).
DEFAULT_REFUSAL = "La banca non ha accettato il mandato: verifica l'IBAN e l'intestatario del conto"


def settle_mandate(
    requested: DirectDebitRequested,
    on: date,
    refuse_if_iban_ends_with: str | None = None,
    reason: str = DEFAULT_REFUSAL,
) -> SettledMandate:
    """Activate the requested mandate, or refuse it (with `reason`) when its IBAN ends with
    `refuse_if_iban_ends_with`: how a test or the demo picks the bank's answer.

    The contract's events name one customer: the mandate's first. `Unusable` if the request
    cannot be answered (no customer, a malformed reference).
    """
    iban = "".join(requested.iban.split()).upper()
    refused = refuse_if_iban_ends_with is not None and iban.endswith(
        "".join(refuse_if_iban_ends_with.split()).upper()
    )
    if not requested.customer_codes:
        raise Unusable(f"mandate {requested.mandate_reference!r} names no customer")
    common = {
        "mandate_reference": requested.mandate_reference,
        "customer_code": requested.customer_codes[0],
    }
    try:
        outcome: MandateActivated | MandateRefused = (
            MandateRefused(**common, refused_on=on, reason=reason)
            if refused
            else MandateActivated(**common, activated_on=on)
        )
    except ValidationError as error:
        raise Unusable(f"cannot be answered: {_first_error(error)}") from None
    return SettledMandate(outcome, requested.customer_codes, iban_ending(iban))


# Meters, prices and readings. What carries no id of the back-office's own takes its event id
# from its content: the same meter, prices or batch published again is an event consumers had.


def content_event_id(payload: EventPayload) -> UUID:
    """The event id of what `payload` says (its fields in a canonical order)."""
    return backoffice_event_id(
        f"{payload.ROUTING_KEY}:{_canonical(payload.model_dump(mode='json'))}"
    )


def reading_step_event_id(reading_id: str, step: str) -> UUID:
    """A reading passes each step once: the step sent again (another day) is the same event."""
    return backoffice_event_id(f"reading:{reading_id}:{step}")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def registers(values: int | Mapping[Register, int]) -> dict[Register, int]:
    """A meter's reading: one value (its "total" register) or one per time band."""
    if isinstance(values, int):
        return {"total": values}
    return dict(values)


def meter_installed(
    *,
    supply_id: str,
    customer_code: str,
    commodity: Commodity,
    point_id: str,
    serial: str,
    digits: int,
    installed_on: date,
    initial: int | Mapping[Register, int],
    banded: bool = False,
    smart: bool = False,
    correction_factor: Decimal | None = None,
    replaces: str | None = None,
    removal: int | Mapping[Register, int] | None = None,
) -> MeterInstalled:
    """A meter installed on a supply, counting m3 for gas and kWh for electricity; a replacement
    names the meter it `replaces` and that meter's `removal` reading. `ValidationError` when the
    contract refuses it (bands on a gas meter, a value with more digits than the dial...)."""
    return MeterInstalled(
        supply_id=supply_id,
        customer_code=customer_code,
        commodity=commodity,
        point_id=point_id,
        meter=MeterSpec(
            serial=serial,
            digits=digits,
            unit="m3" if commodity == "gas" else "kWh",
            banded=banded,
            smart=smart,
            correction_factor=correction_factor,
        ),
        installed_on=installed_on,
        initial=registers(initial),
        replaced_serial=replaces,
        removal=None if removal is None else registers(removal),
    )


def energy_prices_changed(
    *,
    supply_id: str,
    customer_code: str,
    valid_from: date,
    euro_per_kwh: Decimal | Mapping[Band, Decimal],
) -> EnergyPricesChanged:
    """An electricity supply's energy price per time band from `valid_from` (one price: the
    same in F1, F2 and F3)."""
    prices = (
        dict.fromkeys(BANDS, euro_per_kwh)
        if isinstance(euro_per_kwh, Decimal)
        else dict(euro_per_kwh)
    )
    return EnergyPricesChanged(
        supply_id=supply_id,
        customer_code=customer_code,
        valid_from=valid_from,
        euro_per_kwh=prices,
    )


# The distributor's usual words for a reading it finds implausible (the customer reads them).
DEFAULT_READING_REJECTION = "Lettura incompatibile con i consumi rilevati dal distributore"


@dataclass(frozen=True)
class AnsweredReading:
    """A customer's reading and the steps the distributor's answer took it through."""

    received: SelfReadingReceived
    steps: tuple[ReadingProgressed, ...]  # forwarded, then validated or rejected

    @property
    def outcome(self) -> ReadingStep:
        return self.steps[-1].step


def answer_reading(
    received: SelfReadingReceived,
    on: date,
    reject_flagged: bool = False,
    note: str = DEFAULT_READING_REJECTION,
) -> AnsweredReading:
    """The distributor's answer to a customer's reading, `on` (never before it was received, in
    Italy): forwarded, then validated; or rejected as implausible with `note` when the reading
    was flagged and `reject_flagged`. `Unusable` if no valid answer can name the reading."""
    day = max(on, received.received_at.astimezone(ROME).date())

    def step(
        kind: ReadingStep, reason: RejectionReason | None = None, words: str | None = None
    ) -> ReadingProgressed:
        return ReadingProgressed(
            reading_id=received.reading_id,
            customer_code=received.customer_code,
            supply_id=received.supply_id,
            step=kind,
            on=day,
            reason_code=reason,
            note=words,
        )

    try:
        last = (
            step("rejected", "implausible", note)
            if reject_flagged and received.flagged
            else step("validated")
        )
        return AnsweredReading(received, (step("forwarded"), last))
    except ValidationError as error:
        raise Unusable(f"cannot be answered: {_first_error(error)}") from None


# Readings and curves in bulk: rows go as they are (the consumer judges each one, and the tests
# send bad ones on purpose); only a contract row is turned into its JSON first.

Row = Contract | Mapping[str, JsonValue]
Batch = DistributorReadingsPublished | IntervalDaysPublished


def json_rows(rows: Iterable[Row]) -> list[dict[str, JsonValue]]:
    return [row.model_dump(mode="json") if isinstance(row, Contract) else dict(row) for row in rows]


def rows_from_json(text: str) -> list[dict[str, JsonValue]]:
    """The rows of a file: JSON Lines (one object a line, blank lines skipped) or one JSON
    array of objects. Checked for shape only; `ValueError` says where it is not JSON objects."""
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a JSON array (line {error.lineno}: {error.msg})") from None
        if not isinstance(items, list):
            raise ValueError("not a JSON array")
        located = [(f"item {n}", item) for n, item in enumerate(items, start=1)]
    else:
        located = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                located.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number}: not JSON ({error.msg})") from None
    for where, item in located:
        if not isinstance(item, dict):
            raise ValueError(f"{where}: not a JSON object")
    if not located:
        raise ValueError("no rows")
    return [item for _, item in located]


T = TypeVar("T")


def batched(items: Sequence[T], most: int) -> list[Sequence[T]]:
    """`items` in order, in slices of at most `most`."""
    if most < 1:
        raise ValueError("at least one item a batch")
    return [items[start : start + most] for start in range(0, len(items), most)]


def rows_digest(rows: Sequence[Mapping[str, JsonValue]]) -> str:
    return hashlib.sha256(_canonical(list(rows)).encode()).hexdigest()


def _batches(
    rows: Iterable[Row], prefix: str, most: int, limit: int
) -> list[tuple[str, Sequence[dict[str, JsonValue]]]]:
    if not 1 <= most <= limit:
        raise ValueError(f"a batch holds 1 to {limit} rows")
    every = json_rows(rows)
    if not every:
        raise ValueError("no rows")
    # The batch id names the rows it came from and its place among them: the same rows,
    # the same batches.
    digest = rows_digest(every)[:16]
    return [
        (f"{prefix}-{digest}-{index:04d}", part)
        for index, part in enumerate(batched(every, most), start=1)
    ]


def distributor_reading_batches(
    rows: Iterable[DistributorReading | Mapping[str, JsonValue]],
    prefix: str = "DSTR",
    most: int = READINGS_PER_BATCH,
) -> list[DistributorReadingsPublished]:
    """Distributors' readings in batches of at most `most` rows, each with its batch id."""
    return [
        DistributorReadingsPublished(batch_id=batch_id, rows=tuple(part))
        for batch_id, part in _batches(rows, prefix, most, READINGS_PER_BATCH)
    ]


def interval_day_batches(
    rows: Iterable[IntervalDay | Mapping[str, JsonValue]],
    prefix: str = "CURVE",
    most: int = DAYS_PER_BATCH,
) -> list[IntervalDaysPublished]:
    """Days of 15-minute data in batches of at most `most` rows, each with its batch id."""
    return [
        IntervalDaysPublished(batch_id=batch_id, rows=tuple(part))
        for batch_id, part in _batches(rows, prefix, most, DAYS_PER_BATCH)
    ]


def batch_event_id(batch: Batch) -> UUID:
    """A batch's event id: its id and its rows (a batch id reused for other rows is another)."""
    return backoffice_event_id(f"{batch.ROUTING_KEY}:{batch.batch_id}:{rows_digest(batch.rows)}")


R = TypeVar("R")
P = TypeVar("P", bound=EventPayload)


@dataclass(frozen=True)
class Taken(Generic[R]):
    """What reading a back-office queue did."""

    handled: tuple[R, ...]  # what handling each message gave, in the order taken
    set_aside: tuple[str, ...]  # why each message it could not use went to the dead letters


def _first_error(error: ValidationError) -> str:
    """A validation error in a few words: the field and why, never the value."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


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

    async def register_payment(
        self,
        payment: PaymentRegistered,
        event_id: UUID | None = None,
        cause: Event[Any] | None = None,
    ) -> Event[EventPayload]:
        """A payment received for a bill; its event id comes from its registration id unless
        given, so registering it again is harmless."""
        return await self.publish(
            payment,
            event_id=event_id or registration_event_id(payment.registration_id),
            cause=cause,
        )

    async def approve_instalment_plan(
        self, plan: InstalmentPlanApproved, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """An instalment plan granted for a bill; its event id comes from the plan's id."""
        return await self.publish(plan, event_id=event_id or plan_event_id(plan.plan_id))

    async def activate_mandate(
        self,
        mandate: MandateActivated,
        event_id: UUID | None = None,
        cause: Event[Any] | None = None,
    ) -> Event[EventPayload]:
        """The bank accepted a direct-debit mandate; its event id comes from the reference."""
        fixed = mandate_event_id(mandate.mandate_reference, "activated")
        return await self.publish(mandate, event_id=event_id or fixed, cause=cause)

    async def refuse_mandate(
        self,
        mandate: MandateRefused,
        event_id: UUID | None = None,
        cause: Event[Any] | None = None,
    ) -> Event[EventPayload]:
        """The bank refused a direct-debit mandate; its event id comes from the reference."""
        fixed = mandate_event_id(mandate.mandate_reference, "refused")
        return await self.publish(mandate, event_id=event_id or fixed, cause=cause)

    async def install_meter(
        self, installed: MeterInstalled, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """A meter on a supply, once its point is right for the commodity (`ValueError` before
        anything is published otherwise); its event id comes from its content."""
        try:
            check_point(installed.commodity, installed.point_id)
        except ValueError as error:
            raise ValueError(f"point_id: {error}") from None
        return await self.publish(installed, event_id=event_id or content_event_id(installed))

    async def change_energy_prices(
        self, prices: EnergyPricesChanged, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """A supply's prices per band from a day on; its event id comes from its content."""
        return await self.publish(prices, event_id=event_id or content_event_id(prices))

    async def progress_reading(
        self,
        progress: ReadingProgressed,
        event_id: UUID | None = None,
        cause: Event[Any] | None = None,
    ) -> Event[EventPayload]:
        """A step of a customer's reading; its event id comes from the reading and the step."""
        fixed = reading_step_event_id(progress.reading_id, progress.step)
        return await self.publish(progress, event_id=event_id or fixed, cause=cause)

    async def publish_batch(
        self, batch: Batch, event_id: UUID | None = None
    ) -> Event[EventPayload]:
        """Distributors' readings or days of 15-minute data in bulk; the event id comes from the
        batch id and its rows."""
        return await self.publish(batch, event_id=event_id or batch_event_id(batch))

    async def publish(
        self,
        payload: EventPayload,
        event_id: UUID | None = None,
        cause: Event[Any] | None = None,
    ) -> Event[EventPayload]:
        """Publish `payload` in an envelope; a fixed `event_id` makes re-publishing harmless.

        An answer to one of Sportello's events (`cause`) carries its correlation id.
        """
        event: Event[EventPayload] = Event.new(
            payload,
            producer=PRODUCER,
            correlation_id=cause.correlation_id if cause else uuid4().hex,
            causation_id=str(cause.event_id) if cause else None,
            event_id=event_id,
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

    # What Sportello tells the back-office, on the back-office's own queues.

    async def register_online_payments(
        self,
        registered_on: date | None = None,
        each: Callable[[PaymentRegistered], None] | None = None,
    ) -> Taken[PaymentRegistered]:
        """Register every online payment waiting (`OnlinePaymentSucceeded`) as the payment
        of its bill (`registration_of`), `registered_on` (default: today in Italy); `each`
        hears of every registration once it is confirmed."""
        day = registered_on or today_in_italy()

        async def register(paid: Event[OnlinePaymentSucceeded]) -> PaymentRegistered:
            registration = registration_of(paid.payload, day)
            await self.register_payment(registration, cause=paid)
            if each:
                each(registration)
            return registration

        return await self.take_waiting(OnlinePaymentSucceeded, register)

    async def settle_mandates(
        self,
        on: date | None = None,
        refuse_if_iban_ends_with: str | None = None,
        reason: str = DEFAULT_REFUSAL,
        each: Callable[[SettledMandate], None] | None = None,
    ) -> Taken[SettledMandate]:
        """Answer every direct-debit request waiting (`DirectDebitRequested`): its mandate
        activated `on` (default: today in Italy), or refused with `reason` when its IBAN ends
        with `refuse_if_iban_ends_with`; `each` hears of every answer once it is confirmed."""
        day = on or today_in_italy()

        async def answer(requested: Event[DirectDebitRequested]) -> SettledMandate:
            settled = settle_mandate(requested.payload, day, refuse_if_iban_ends_with, reason)
            if isinstance(settled.outcome, MandateActivated):
                await self.activate_mandate(settled.outcome, cause=requested)
            else:
                await self.refuse_mandate(settled.outcome, cause=requested)
            if each:
                each(settled)
            return settled

        return await self.take_waiting(DirectDebitRequested, answer)

    async def take_refunds_due(
        self, each: Callable[[BillOverpaid], None] | None = None
    ) -> Taken[BillOverpaid]:
        """Take note of every bill paid more than it asked (`BillOverpaid`): a refund to make."""

        async def note(overpaid: Event[BillOverpaid]) -> BillOverpaid:
            if each:
                each(overpaid.payload)
            return overpaid.payload

        return await self.take_waiting(BillOverpaid, note)

    async def answer_readings(
        self,
        on: date | None = None,
        reject_flagged: bool = False,
        note: str = DEFAULT_READING_REJECTION,
        each: Callable[[AnsweredReading], None] | None = None,
    ) -> Taken[AnsweredReading]:
        """Answer every customer's reading waiting (`SelfReadingReceived`) as the distributor
        would (`answer_reading`), `on` (default: today in Italy): each step published in order,
        with fixed ids, so a run cut short and run again sends nothing twice; `each` hears of
        every answer once its steps are confirmed."""
        day = on or today_in_italy()

        async def answer(received: Event[SelfReadingReceived]) -> AnsweredReading:
            answered = answer_reading(received.payload, day, reject_flagged, note)
            for step in answered.steps:
                await self.progress_reading(step, cause=received)
            if each:
                each(answered)
            return answered

        return await self.take_waiting(SelfReadingReceived, answer)

    async def take_waiting(
        self, kind: type[P], handle: Callable[[Event[P]], Awaitable[R]]
    ) -> Taken[R]:
        """Every message waiting in the back-office's queue of `kind`, one at a time
        (basic.get), each acknowledged once `handle` has handled it; until the queue is empty.

        A message that is not a `kind` event, or that `handle` finds `Unusable`, goes to the
        queue's dead letters: taken again it would only fail again. If `handle` fails otherwise
        (what it publishes is not confirmed), the message goes back to the queue and the error
        propagates: a later run takes it again, and what it publishes again has the same event
        ids. `NotRead` if the queue is missing (a wrong prefix) or the broker fails.
        """
        assert self._connection is not None, "use BackOffice as an async context manager"
        name = self.topology.event_queue_name(BACKOFFICE, kind.ROUTING_KEY)
        # A channel of its own: a missing queue closes the channel that asked for it.
        channel = await self._connection.channel()
        try:
            try:
                queue = await channel.get_queue(name, ensure=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                raise NotRead(
                    f"RabbitMQ has no queue {name}: check --prefix (BUS_PREFIX, now "
                    f"{self.prefix!r}), or run sportello-topology for it"
                ) from None
            return await self._take(queue, kind, handle)
        except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as error:
            raise NotRead(f"reading {name} failed ({_reason(error)}): run it again") from None
        finally:
            if not channel.is_closed:
                await channel.close()

    async def _take(
        self,
        queue: aio_pika.abc.AbstractQueue,
        kind: type[P],
        handle: Callable[[Event[P]], Awaitable[R]],
    ) -> Taken[R]:
        handled: list[R] = []
        set_aside: list[str] = []
        schema: type[Event[P]] = Event[kind]  # type: ignore[valid-type]
        while (message := await queue.get(fail=False, timeout=BROKER_SECONDS)) is not None:
            try:
                event = schema.model_validate_json(message.body)
            except ValidationError as error:
                await message.reject(requeue=False)
                what = f"not a {kind.ROUTING_KEY} event we read"
                set_aside.append(f"message {message.message_id}: {what} ({_first_error(error)})")
                continue
            try:
                result = await handle(event)
            except Unusable as error:
                await message.reject(requeue=False)
                set_aside.append(f"event {event.event_id}: {error}")
                continue
            except BaseException:
                # Back to the queue, for the next run: nothing is lost.
                await message.reject(requeue=True)
                raise
            await message.ack()
            handled.append(result)
        return Taken(tuple(handled), tuple(set_aside))


def _reason(error: BaseException) -> str:
    """A connection failure in a few words: "connection refused", not the socket's repr."""
    if isinstance(error, OSError) and isinstance(error.errno, int) and error.errno > 0:
        return os.strerror(error.errno).lower()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    if isinstance(error, TimeoutError):
        return f"no answer in {BROKER_SECONDS:g} s"
    return str(error) or type(error).__name__
