"""`sportello-deadletters`: list dead letters by queue and reason, and replay chosen ones.

    sportello-deadletters list                       every dead-letter queue: count and reasons
    sportello-deadletters list --queue Q             Q's dead letters, one line each
    sportello-deadletters replay --queue Q --id M    back to Q (after fixing what killed them)
    sportello-deadletters replay --queue Q --all

A replayed message goes back to the queue it died in through the redeliver exchange, with its
attempt count reset, and is taken off the dead letters only once the broker confirmed it there.
Messages are read without being acknowledged and returned untouched unless replayed.
"""

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from sportello_contracts.catalog import OPERATIONS
from sportello_contracts.subscriptions import SUBSCRIPTIONS
from sportello_kit.publisher import Outgoing, Publisher, PublishFailed
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import ATTEMPT, DEAD_LETTER_QUEUE, DEAD_LETTER_REASON, Topology

MOST = 10_000  # read at most this many messages of one queue at a time


@dataclass(frozen=True)
class DeadLetter:
    queue: str  # where it died (and goes back to when replayed)
    message_id: str
    reason: str
    body_bytes: int


def queues_with_dead_letters(topology: Topology) -> list[str]:
    """Every queue of the topology that has a dead-letter queue."""
    names = [
        topology.event_queue_name(service, payload.ROUTING_KEY)
        for service, payloads in SUBSCRIPTIONS.items()
        for payload in payloads
    ]
    names += [topology.rpc_queue_name(operation.address) for operation in OPERATIONS]
    return names


def _dead_letter(queue: str, message: AbstractIncomingMessage) -> DeadLetter:
    headers: dict[str, Any] = dict(message.headers or {})
    reason = headers.get(DEAD_LETTER_REASON)
    if reason is None:
        # Dead-lettered by the broker itself (its delivery limit, a rejection): x-death says why.
        deaths = headers.get("x-death") or [{}]
        reason = f"broker: {deaths[0].get('reason', 'unknown')}"
    return DeadLetter(
        queue=str(headers.get(DEAD_LETTER_QUEUE) or queue),
        message_id=message.message_id or "",
        reason=str(reason),
        body_bytes=len(message.body),
    )


async def _read(channel: aio_pika.abc.AbstractChannel, queue: str) -> list[AbstractIncomingMessage]:
    """The dead letters of `queue`, held unacknowledged on `channel` until it closes."""
    dead = await channel.get_queue(f"{queue}.dead", ensure=False)
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < MOST and (message := await dead.get(no_ack=False, fail=False)):
        taken.append(message)
    return taken


async def list_dead_letters(settings: ServiceSettings, *queues: str) -> list[DeadLetter]:
    """The dead letters of `queues`, read on one connection and left where they are."""
    connection = await aio_pika.connect(settings.rabbitmq_url)
    letters = []
    async with connection:
        for queue in queues:
            # Closing the channel returns every message read, untouched, to its queue.
            async with connection.channel() as channel:
                letters += [_dead_letter(queue, m) for m in await _read(channel, queue)]
    return letters


async def replay(
    settings: ServiceSettings, queue: str, message_ids: set[str] | None
) -> list[DeadLetter]:
    """Send the chosen dead letters of `queue` (all if `message_ids` is None) back to it."""
    topology = Topology.of(settings)
    publisher = Publisher(settings.rabbitmq_url, f"{settings.bus_prefix}:deadletters")
    await publisher.connect()
    replayed = []
    try:
        connection = await aio_pika.connect(settings.rabbitmq_url)
        async with connection, connection.channel() as channel:
            for message in await _read(channel, queue):
                letter = _dead_letter(queue, message)
                if message_ids is not None and letter.message_id not in message_ids:
                    continue
                await publisher.publish(_back_to(topology, letter.queue, message))
                await message.ack()  # only now that the broker holds it in its queue again
                replayed.append(letter)
    finally:
        await publisher.close()
    return replayed


def _back_to(topology: Topology, queue: str, message: AbstractIncomingMessage) -> Outgoing:
    headers = {
        k: v
        for k, v in (message.headers or {}).items()
        if k not in (DEAD_LETTER_REASON, DEAD_LETTER_QUEUE, ATTEMPT, "x-delivery-count")
    }
    return Outgoing(
        body=message.body,
        exchange=topology.redeliver.name,
        routing_key=queue,
        headers=headers,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
    )


async def _main(args: argparse.Namespace) -> None:
    settings = ServiceSettings()
    topology = Topology.of(settings)
    if args.command == "list" and args.queue is None:
        queues = queues_with_dead_letters(topology)
        letters = await list_dead_letters(settings, *queues)
        for queue in queues:
            reasons = Counter(letter.reason for letter in letters if letter.queue == queue)
            print(f"{sum(reasons.values()):6d}  {queue}")
            for reason, count in reasons.most_common(5):
                print(f"        {count:6d}  {reason[:150]}")
        return
    if args.command == "list":
        for letter in await list_dead_letters(settings, args.queue):
            print(f"{letter.message_id}  {letter.body_bytes:7d} B  {letter.reason[:150]}")
        return
    chosen = None if args.all else set(args.id)
    replayed = await replay(settings, args.queue, chosen)
    print(f"replayed {len(replayed)} message(s) to {args.queue}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="sportello-deadletters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters by queue and reason")
    listing.add_argument("--queue", help="the queue they died in (without .dead)")
    replaying = commands.add_parser("replay", help="send dead letters back to their queue")
    replaying.add_argument("--queue", required=True, help="the queue they died in")
    which = replaying.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", default=[], help="a message id (repeatable)")
    which.add_argument("--all", action="store_true")
    try:
        asyncio.run(_main(parser.parse_args()))
    except (OSError, aio_pika.exceptions.AMQPError, PublishFailed) as error:
        sys.exit(f"sportello-deadletters: {error}")
