"""The broker topology, declared in this one place: names, queue types and arguments."""

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

DEAD_LETTER_REASON = "x-sportello-dead-letter-reason"
DEAD_LETTER_QUEUE = "x-sportello-dead-letter-queue"
DEADLINE = "x-sportello-deadline-ms"
CORRELATION_ID = "x-sportello-correlation-id"


@dataclass(frozen=True)
class Topology:
    prefix: str
    delivery_limit: int = 5

    @property
    def events(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}.events", type=ExchangeType.TOPIC, durable=True)

    @property
    def dead_letters(self) -> RabbitExchange:
        # Routed by the name of the queue the message died in: one dead-letter queue per queue.
        return RabbitExchange(f"{self.prefix}.dead-letter", type=ExchangeType.DIRECT, durable=True)

    def event_queue_name(self, service: str, routing_key: str) -> str:
        return f"{self.prefix}.{service}.{routing_key}"

    def event_queue(self, service: str, routing_key: str) -> RabbitQueue:
        """A subscription: a durable quorum queue that dead-letters after `delivery_limit` tries."""
        name = self.event_queue_name(service, routing_key)
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=routing_key,
            arguments={
                "x-dead-letter-exchange": self.dead_letters.name,
                "x-dead-letter-routing-key": name,
                "x-delivery-limit": self.delivery_limit,
                # At-least-once dead-lettering: a message is never lost between the two queues.
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def dead_letter_queue(self, queue_name: str) -> RabbitQueue:
        return RabbitQueue(
            f"{queue_name}.dead",
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=queue_name,
        )

    def rpc_queue_name(self, address: str) -> str:
        return f"{self.prefix}.rpc.{address}"

    def rpc_queue(self, address: str) -> RabbitQueue:
        """Requests: a classic queue that disappears with its last consumer.

        So a request to a service that is down is returned by the broker at once (the gateway
        publishes as mandatory) instead of waiting out its deadline in an orphan queue.
        Requests carry a deadline of their own, so nothing in it needs to outlive the service.
        """
        return RabbitQueue(
            self.rpc_queue_name(address),
            queue_type=QueueType.CLASSIC,
            durable=False,
            auto_delete=True,
            arguments={"x-dead-letter-exchange": self.dead_letters.name},
        )
