"""A Sportello service: its broker, database, outbox relay and health answer, declared one way.

service = Service("identity", settings)

@service.rpc(REGISTER_ACCOUNT)
async def register(request: RegisterAccountRequest) -> RegisterAccountReply: ...

@service.on(CustomerOnboarded)
async def onboarded(event: Event[CustomerOnboarded]) -> None: ...

service.run()
"""

import asyncio
import importlib.metadata
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy, FastStream
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel
from faststream.specification import AsyncAPI
from yarl import URL

from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.health import HealthReply, HealthRequest, health_operation
from sportello_contracts.rpc import Operation
from sportello_kit.logs import configure_logging
from sportello_kit.middleware import ServiceMiddleware
from sportello_kit.mongo import Database, connect
from sportello_kit.outbox import Outbox, OutboxRelay
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import Topology

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class Service:
    def __init__(self, name: str, settings: ServiceSettings, database: str | None = None) -> None:
        self.name = name
        self.version = _version(name)
        self.settings = settings
        self.topology = Topology(settings.bus_prefix, settings.delivery_limit)
        self.broker = RabbitBroker(
            # How the broker's tools show the connection (aiormq reads it from the URL's `name`).
            str(URL(settings.rabbitmq_url).update_query(name=f"{settings.bus_prefix}:{name}")),
            # Broker settings are explicit: a bounded prefetch, confirms on every publish.
            default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True),
            middlewares=[ServiceMiddleware.bind(self.topology)],
            graceful_timeout=settings.graceful_timeout,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            app_id=name,
            logger=logging.getLogger(f"sportello.{name}.bus"),
            # FastStream's "Received"/"Processed" lines for every message: debug, not info.
            log_level=logging.DEBUG,
        )
        self.database = Database(connect(settings.mongo_url), database or f"sportello_{name}")
        self.outbox = Outbox(self.database.db.outbox)
        self.relay = OutboxRelay(self.outbox, self.broker, self.topology)
        self.database.after_commit(self.relay.wake)
        self._event_queues: list[str] = []
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
        """Serve `operation`: the handler takes the request model and returns the reply model."""

        def register(handler: Handler) -> Handler:
            self.broker.subscriber(
                self.topology.rpc_queue(operation.address),
                title=operation.name,
                description=handler.__doc__,
            )(handler)
            return handler

        return register

    def on(self, payload: type[EventPayload]) -> Callable[[Handler], Handler]:
        """Subscribe to one kind of event, on this service's own durable queue for it."""

        def register(handler: Handler) -> Handler:
            queue = self.topology.event_queue(self.name, payload.ROUTING_KEY)
            self._event_queues.append(queue.name)
            self.broker.subscriber(
                queue,
                self.topology.events,
                title=f"{self.name}:{payload.ROUTING_KEY}",
                description=handler.__doc__,
            )(handler)
            return handler

        return register

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
        await self.outbox.create_indexes()
        for hook in self._startup:
            await hook()
        # The dead-letter side exists before any queue that may dead-letter into it.
        await self.broker.connect()
        exchange = await self.broker.declare_exchange(self.topology.dead_letters)
        await self.broker.declare_exchange(self.topology.events)
        for name in self._event_queues:
            dead = await self.broker.declare_queue(self.topology.dead_letter_queue(name))
            await dead.bind(exchange, routing_key=name)

    async def _after_broker_started(self) -> None:
        self.relay.start()
        log.info("%s started", self.name)

    async def _on_shutdown(self) -> None:
        log.info("%s stopping: finishing the messages in hand", self.name)

    async def _after_shutdown(self) -> None:
        await self.relay.stop()
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
        consumers = self.consumers_attached()
        return HealthReply(
            service=self.name,
            status="ok" if database and consumers else "degraded",
            database=database,
            consumers_attached=consumers,
            version=self.version,
        )

    def run(self) -> None:
        """Run until SIGINT or SIGTERM, then finish the messages in hand and stop."""
        configure_logging(self.name, self.settings.log_level)
        asyncio.run(self.app.run())


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(f"sportello-{name}")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"
