"""The table of subscriptions (what the topology step declares) is what the services consume."""

import importlib

from sportello_contracts.health import SERVICES
from sportello_contracts.subscriptions import SUBSCRIPTIONS


def test_each_service_consumes_exactly_the_events_the_table_declares_for_it() -> None:
    for name in SERVICES:
        service = importlib.import_module(f"sportello_{name}.main").service
        declared = sorted(p.ROUTING_KEY for p in SUBSCRIPTIONS.get(name, ()))
        assert sorted(service.subscriptions) == declared, name


def test_an_event_carrying_a_secret_has_one_consumer() -> None:
    # A PIN or a reset link reaches the one service that needs it, never a second queue.
    for payload in {p for payloads in SUBSCRIPTIONS.values() for p in payloads if p.SECRET}:
        consumers = [name for name, payloads in SUBSCRIPTIONS.items() if payload in payloads]
        assert len(consumers) == 1, (payload.ROUTING_KEY, consumers)
