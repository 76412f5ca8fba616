"""A Sportello service: its broker, database, outbox relay and health answer, declared one way.

service = Service("identity", settings)

@service.rpc(REGISTER_ACCOUNT)   # a command: the handler also gets the transaction
async def register(request: RegisterAccountRequest, tx: Transaction) -> RegisterAccountReply: ...

@service.rpc(GET_PROFILE)        # a query: the request only (its caller is checked already)
async def profile(request: ProfileRequest) -> ProfileReply: ...

@service.on(CustomerOnboarded)   # an event, applied once, in a transaction with its inbox entry
async def onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None: ...

@service.on(AccountRegistered, transactional=False)   # effects outside the database: claims
async def registered(event: Event[AccountRegistered]) -> None: ...

service.run()
"""

import importlib.metadata
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from faststream import AckPolicy, FastStream
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel
from faststream.specification import AsyncAPI
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError
from yarl import URL

from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.health import HealthReply, HealthRequest, health_operation
from sportello_contracts.rpc import Operation
from sportello_kit import faults, loop
from sportello_kit.claims import Claims
from sportello_kit.commands import CommandReplies
from sportello_kit.consumers import Handling, event_consumer, request_consumer
from sportello_kit.declare import declare_common, declare_dead_letters, declare_subscription
from sportello_kit.inbox import Inbox, Parking
from sportello_kit.logs import configure_logging
from sportello_kit.middleware import Delivery, ServiceMiddleware
from sportello_kit.mongo import Database, connect
from sportello_kit.outbox import LEASE, Lease, Outbox, OutboxRelay
from sportello_kit.probe import Liveness, ProbeServer
from sportello_kit.publisher import Publisher
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import Topology
from sportello_kit.transaction import Transaction

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])
T = TypeVar("T")

RELAY_LEASE_SECONDS = 10.0


class Service:
    def __init__(self, name: str, settings: ServiceSettings, database: str | None = None) -> None:
        self.name = name
        self.version = _version(name)
        self.settings = settings
        self.topology = Topology.of(settings)
        connection_name = f"{settings.bus_prefix}:{name}"
        # Retries, dead letters and the outbox publish on a connection of their own, confirmed.
        self.publisher = Publisher(settings.rabbitmq_url, f"{connection_name}:publisher")
        self.broker = RabbitBroker(
            # How the broker's tools show the connection (aiormq reads it from the URL's `name`).
            str(URL(settings.rabbitmq_url).update_query(name=connection_name)),
            # Broker settings are explicit: a bounded prefetch, and no publisher confirms. This
            # channel publishes only replies (events, retries and dead letters go through the
            # confirmed `Publisher`): a reply is worth nothing once its caller gives up, the
            # caller's deadline covers one lost, and awaiting a confirm before acking the
            # request cost a broker round trip per call (bench/README.md).
            default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=False),
            middlewares=[
                ServiceMiddleware.bind(
                    Delivery(self.topology, self.publisher, settings.retry_delays)
                )
            ],
            graceful_timeout=settings.graceful_timeout,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            app_id=name,
            logger=logging.getLogger(f"sportello.{name}.bus"),
            # FastStream's "Received"/"Processed" lines for every message: debug, not info.
            log_level=logging.DEBUG,
        )
        self.database = Database(
            connect(
                settings.mongo_url,
                settings.mongo_server_selection_ms,
                settings.mongo_operation_ms,
            ),
            database or f"sportello_{name}",
        )
        db = self.database.db
        self.outbox = Outbox(db.outbox, self.topology)
        self.relay = OutboxRelay(
            self.outbox, self.publisher, Lease(db.leases, LEASE, RELAY_LEASE_SECONDS)
        )
        self.database.after_commit(self.relay.wake)
        self.inbox = Inbox(db, timedelta(days=settings.inbox_days))
        self.parking = Parking(db)
        # Effects outside the database (e-mail, SMS, payments) are claimed here before doing.
        self.claims = Claims(db.claims, timedelta(seconds=settings.claim_lease_seconds))
        self.handling = Handling(
            name,
            self.database,
            self.outbox,
            self.inbox,
            self.parking,
            CommandReplies(db.commands),
            settings.retry_delays,
        )
        self.liveness = Liveness(
            self.consumers_attached, lambda: self.relay.ticked_at, settings.liveness_seconds
        )
        self.probe = (
            ProbeServer(self.liveness, settings.probe_port) if settings.probe_port else None
        )
        self._subscriptions: list[str] = []  # routing keys
        self._operations: list[str] = []  # addresses
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self.app = FastStream(
            self.broker,
            # The AsyncAPI document back-office integrators read: `faststream docs gen`.
            specification=AsyncAPI(
                self.broker,
                title=f"Sportello {name}",
                version=self.version,
                description=f"Events and operations of Sportello's {name} service.",
            ),
        )
        self.app.on_startup(self._before_broker_starts)
        self.app.after_startup(self._after_broker_started)
        self.app.on_shutdown(self._on_shutdown)
        self.app.after_shutdown(self._after_shutdown)
        self.rpc(health_operation(name))(self._health)

    def rpc(self, operation: Operation[Any, Any]) -> Callable[[Handler], Handler]:
        """Serve `operation`: the handler takes the request (and, for a command, a
        `Transaction`) and returns the reply model."""

        def register(handler: Handler) -> Handler:
            self._operations.append(operation.address)
            self.broker.subscriber(
                self.topology.rpc_queue(operation.address),
                self.topology.requests,
                title=operation.name,
                description=handler.__doc__,
            )(request_consumer(self.handling, operation, handler))
            return handler

        return register

    def on(
        self, payload: type[EventPayload], *, transactional: bool = True
    ) -> Callable[[Handler], Handler]:
        """Subscribe to one kind of event, on this service's own durable queue for it.

        By default the handler runs in a transaction with the inbox entry and gets a
        `Transaction`; `transactional=False` for an effect outside the database, which the
        handler makes idempotent itself with `service.claims` (`EFFECTS_IN_FLIGHT` at a time).
        """

        def register(handler: Handler) -> Handler:
            queue = self.topology.event_queue(self.name, payload.ROUTING_KEY)
            self._subscriptions.append(payload.ROUTING_KEY)
            consumer = event_consumer(
                self.handling,
                f"{self.name}.{payload.ROUTING_KEY}",
                queue.name,
                payload,
                handler,
                transactional,
            )
            self.broker.subscriber(
                queue,
                self.topology.events,
                title=f"{self.name}:{payload.ROUTING_KEY}",
                description=handler.__doc__,
                # An effect outside the database gets a channel of its own with a small
                # prefetch: only so many are in flight at the instant of a crash.
                channel=None
                if transactional
                else Channel(prefetch_count=self.settings.effects_in_flight),
            )(consumer)
            return handler

        return register

    async def transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run `work` in a transaction with the outbox, outside any handler's own.

        For what a query or a log-in writes and must announce (a session opened, a failed
        log-in for the user's trail): the write and its event commit together or not at all.
        Retried whole on transient errors, so `work` must only touch the database.
        """

        async def in_session(session: AsyncClientSession) -> T:
            return await work(self.handling.transaction_for(session))

        return await self.database.transaction(in_session)

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """The routing keys this service consumes."""
        return tuple(self._subscriptions)

    def emits(self, *payloads: type[EventPayload]) -> None:
        """Declare the events this service publishes (through its outbox), for its AsyncAPI."""
        for payload in payloads:
            self.broker.publisher(
                exchange=self.topology.events,
                routing_key=payload.ROUTING_KEY,
                title=payload.ROUTING_KEY,
                description=payload.__doc__,
                schema=Event[payload],  # type: ignore[valid-type]
                persist=True,
            )

    def on_startup(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Work to do once the database is reachable and before messages flow (indexes...)."""
        self._startup.append(hook)

    async def _before_broker_starts(self) -> None:
        faults.arm(self.settings.failpoints)
        if self.probe is not None:
            # First: a service waiting for its database at start is alive until the grace ends.
            await self.probe.start()
        for create_indexes in (
            self.outbox.create_indexes,
            self.inbox.create_indexes,
            self.parking.create_indexes,
            self.claims.create_indexes,
            self.handling.replies.create_indexes,
            *self._startup,
        ):
            await create_indexes()
        # What this service consumes and where its messages go exists before it consumes.
        await self.publisher.connect()
        channel = self.publisher.channel
        await declare_common(channel, self.topology, self.settings.retry_delays)
        for routing_key in self._subscriptions:
            await declare_subscription(channel, self.topology, self.name, routing_key)
        for address in self._operations:
            await declare_dead_letters(
                channel, self.topology, self.topology.rpc_queue_name(address)
            )

    async def _after_broker_started(self) -> None:
        self.relay.start()
        log.info("%s started", self.name)

    async def _on_shutdown(self) -> None:
        log.info("%s stopping: finishing the messages in hand", self.name)

    async def _after_shutdown(self) -> None:
        if self.probe is not None:
            await self.probe.stop()
        await self.relay.stop()
        await self.publisher.close()
        await self.database.client.close()

    def consumers_attached(self) -> bool:
        # FastStream keeps no public flag for this: a consumer can vanish after a broker failover
        # (FastStream issue 2758), so look at the consumer tag and its channel directly.
        for subscriber in self.broker.subscribers:
            queue = getattr(subscriber, "_queue_obj", None)
            if not subscriber.running or getattr(subscriber, "_consumer_tag", None) is None:
                return False
            if queue is None or queue.channel.is_closed:
                return False
        return True

    async def _health(self, request: HealthRequest) -> HealthReply:
        database = await self.database.ping()
        life = self.liveness.report()
        parked = 0
        if database:
            try:
                parked = await self.outbox.parked()
            except PyMongoError as error:
                log.warning("health: the database went away after the ping: %r", error)
                database = False
        healthy = database and life["consumers_attached"] and life["relay_ticking"]
        if not healthy:
            log.warning("health: degraded (database %s, %s)", database, life)
        return HealthReply(
            service=self.name,
            status="ok" if healthy else "degraded",
            database=database,
            consumers_attached=life["consumers_attached"],
            relay_ticking=life["relay_ticking"],
            version=self.version,
            parked_events=parked,
        )

    def run(self) -> None:
        """Run until SIGINT or SIGTERM, then finish the messages in hand and stop."""
        configure_logging(self.name, self.settings.log_level)
        loop.run(self.app.run())


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(f"sportello-{name}")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"
