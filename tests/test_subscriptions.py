"""The table of subscriptions (what the topology step declares) is what the services consume."""

import importlib

from sportello_contracts.health import SERVICES
from sportello_contracts.subscriptions import SUBSCRIPTIONS


def test_each_service_consumes_exactly_the_events_the_table_declares_for_it() -> None:
    for name in SERVICES:
        service = importlib.import_module(f"sportello_{name}.main").service
        declared = sorted(p.ROUTING_KEY for p in SUBSCRIPTIONS.get(name, ()))
        assert sorted(service.subscriptions) == declared, name
