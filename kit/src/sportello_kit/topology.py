"""The broker topology, declared in this one place: names, queue types, arguments and policies.

Queue arguments hold only what a queue is (its type, where it dead-letters); what may be tuned
(delivery limit, how long dead letters stay, when an unused request queue goes) is in broker
policies, applied by the topology step (`sportello-topology`), so changing a tunable never makes
a redeclaration fail. The names:

    <prefix>.events                    topic exchange: every domain event
    <prefix>.<service>.<routing key>   a subscription: quorum queue, bound to events and redeliver
    <queue>.dead                       its dead letters (quorum; classic for a request queue),
                                       bound to dead-letter by <queue>
    <prefix>.requests                  direct exchange: a request to the queue it names; what no
                                       queue takes goes to its alternate exchange, unrouted
    <prefix>.unrouted                  fanout exchange: requests nobody serves, back to the callers
    <prefix>.rpc.<operation>.v<n>      requests: durable, auto-delete (gone with the last consumer),
                                       bound to requests by their name
    <prefix>.retry.<delay>ms           fanout exchange + quorum queue: a failed event waits there
                                       (per-message TTL), then dead-letters back through redeliver
    <prefix>.redeliver                 direct exchange: routes a message back to the queue it names
    <prefix>.dead-letter               direct exchange: routes a message to <queue>.dead
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue
from faststream.rabbit.schemas.queue import QuorumQueueArgs

if TYPE_CHECKING:
    from sportello_kit.settings import ServiceSettings

DEAD_LETTER_REASON = "x-sportello-dead-letter-reason"
DEAD_LETTER_QUEUE = "x-sportello-dead-letter-queue"
DEADLINE = "x-sportello-deadline-ms"
CORRELATION_ID = "x-sportello-correlation-id"
IDEMPOTENCY_KEY = "x-sportello-idempotency-key"
# A reply that is a file (`Document`): its bytes are the body, its name and digest these.
DOCUMENT_FILENAME = "x-sportello-document-filename"
DOCUMENT_SHA256 = "x-sportello-document-sha256"
# The handling attempt a delivery is (1 for the first), and why the previous one failed.
ATTEMPT = "x-sportello-attempt"
LAST_ERROR = "x-sportello-last-error"

# An unused request queue is removed after this long even if no consumer ever attached (auto-
# delete only acts once a consumer has come and gone).
RPC_QUEUE_EXPIRES_MS = 60_000


@dataclass(frozen=True)
class Policy:
    """A broker policy: `definition` applies to the queues whose names match `pattern`."""

    name: str
    pattern: str
    definition: dict[str, Any]
    priority: int = 0


@dataclass(frozen=True)
class Topology:
    prefix: str
    # An event queue's dead letters (the `BUS_DEAD_LETTER_QUEUE_TYPE` setting).
    event_dead_letters: QueueType = QueueType.QUORUM

    # Exchanges

    @property
    def events(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}.events", type=ExchangeType.TOPIC, durable=True)

    @property
    def dead_letters(self) -> RabbitExchange:
        # Routed by the name of the queue the message died in: one dead-letter queue per queue.
        return RabbitExchange(f"{self.prefix}.dead-letter", type=ExchangeType.DIRECT, durable=True)

    @property
    def redeliver(self) -> RabbitExchange:
        # Routed by the name of the queue a message goes back to (retries, replays, unparking).
        return RabbitExchange(f"{self.prefix}.redeliver", type=ExchangeType.DIRECT, durable=True)

    @property
    def requests(self) -> RabbitExchange:
        """Where callers send requests: routed by the name of the operation's queue.

        Not the default exchange, which can have no alternate exchange: a request that no queue
        takes (its service is down, or nobody serves that version) goes to `unrouted`, where
        every caller's own queue sees it and fails the call at once. That costs nothing per
        call, unlike a mandatory publish, whose return reaches aio-pika only on a channel with
        publisher confirms (one more broker round trip on every call).
        """
        return RabbitExchange(
            f"{self.prefix}.requests",
            type=ExchangeType.DIRECT,
            durable=True,
            arguments={"alternate-exchange": self.unrouted.name},
        )

    @property
    def unrouted(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}.unrouted", type=ExchangeType.FANOUT, durable=True)

    def retry_exchange(self, delay: float) -> RabbitExchange:
        # Fanout: the message keeps its routing key (the queue it came from) while it waits, and
        # dead-lettering back through `redeliver` uses that key.
        return RabbitExchange(self.retry_name(delay), type=ExchangeType.FANOUT, durable=True)

    # Queues

    def event_queue_name(self, service: str, routing_key: str) -> str:
        return f"{self.prefix}.{service}.{routing_key}"

    def event_queue(self, service: str, routing_key: str) -> RabbitQueue:
        """A subscription: a durable quorum queue that dead-letters when its limit is reached."""
        name = self.event_queue_name(service, routing_key)
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=routing_key,
            arguments=self._dead_lettering(name),
        )

    def dead_letter_queue(self, queue_name: str) -> RabbitQueue:
        """An event queue's dead letters: quorum, like the queue (they are events to replay),
        unless the setting says classic (a small single broker).

        A request queue's are classic and durable: a request dead-lettered (it did not parse,
        or nobody could answer it) is kept to be looked at, not replayed, and a quorum queue is
        a consensus group of its own. There are sixty operations; as quorum queues their dead
        letters were most of a prefix's quorum queues, and RabbitMQ 3.10 here stalled with two
        prefixes declared side by side (the tests' and the local run's).
        """
        # How long dead letters stay is a policy (`<prefix>-dead-letters`).
        name = f"{queue_name}.dead"
        if self.is_rpc_queue(queue_name) or self.event_dead_letters == QueueType.CLASSIC:
            return RabbitQueue(
                name, queue_type=QueueType.CLASSIC, durable=True, routing_key=queue_name
            )
        return RabbitQueue(name, queue_type=QueueType.QUORUM, durable=True, routing_key=queue_name)

    @classmethod
    def of(cls, settings: "ServiceSettings") -> "Topology":
        """The topology of the settings' prefix, as its deployables declare it."""
        return cls(settings.bus_prefix, QueueType(settings.dead_letter_queue_type))

    def rpc_queue_name(self, address: str) -> str:
        return f"{self.prefix}.rpc.{address}"

    def rpc_queue(self, address: str) -> RabbitQueue:
        """Requests: a durable classic queue that disappears with its last consumer.

        So a request to a service that is down goes at once to the callers' `unrouted` queues
        (see `requests`) instead of waiting out its deadline in an orphan queue. Durable,
        because RabbitMQ 4.3 refuses queues that are neither durable nor exclusive; not
        exclusive, because every replica of the service consumes from it. A request the broker
        rejects goes to the queue's dead letters like any other message.
        """
        name = self.rpc_queue_name(address)
        return RabbitQueue(
            name,
            queue_type=QueueType.CLASSIC,
            durable=True,
            auto_delete=True,
            routing_key=name,  # its binding to `requests`
            arguments={
                "x-dead-letter-exchange": self.dead_letters.name,
                "x-dead-letter-routing-key": name,
            },
        )

    def is_rpc_queue(self, queue_name: str) -> bool:
        return queue_name.startswith(f"{self.prefix}.rpc.")

    def retry_name(self, delay: float) -> str:
        return f"{self.prefix}.retry.{round(delay * 1000)}ms"

    def retry_queue(self, delay: float) -> RabbitQueue:
        """Where a failed event waits `delay` (its own TTL), then goes back to its queue."""
        return RabbitQueue(
            self.retry_name(delay),
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments={
                "x-dead-letter-exchange": self.redeliver.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def _dead_lettering(self, name: str) -> QuorumQueueArgs:
        return {
            "x-dead-letter-exchange": self.dead_letters.name,
            "x-dead-letter-routing-key": name,
            # At-least-once dead-lettering: a message is never lost between the two queues (it
            # needs reject-publish overflow).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    # Policies (one applies to a queue: the patterns are disjoint)

    def policies(
        self,
        delivery_limit: int,
        dead_letter_days: float,
        secret_queues: tuple[str, ...] = (),
        secret_dead_letter_hours: float = 24,
    ) -> list[Policy]:
        """The broker policies; `secret_queues` are those whose messages carry a secret."""
        base = self.prefix.replace(".", r"\.")
        secret = [
            # Outranks the dead-letters policy (one policy applies to a queue: the highest).
            Policy(
                f"{self.prefix}-secret-dead-letters",
                "^(" + "|".join(re.escape(f"{q}.dead") for q in secret_queues) + ")$",
                {"message-ttl": round(secret_dead_letter_hours * 3600 * 1000)},
                priority=1,
            )
        ]
        return [
            *(secret if secret_queues else []),
            Policy(
                f"{self.prefix}-subscriptions",
                # Every queue of the prefix but requests, retries and dead letters.
                rf"^{base}\.(?!rpc\.|retry\.).*(?<!\.dead)$",
                {"delivery-limit": delivery_limit},
            ),
            Policy(
                f"{self.prefix}-dead-letters",
                rf"^{base}\..*\.dead$",
                {"message-ttl": round(dead_letter_days * 24 * 3600 * 1000)},
            ),
            Policy(
                f"{self.prefix}-requests",
                rf"^{base}\.rpc\..*\.v[0-9]+$",
                {"expires": RPC_QUEUE_EXPIRES_MS},
            ),
        ]
