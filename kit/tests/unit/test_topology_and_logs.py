"""Topology names and arguments; JSON logs; masking."""

import json
import logging

from sportello_contracts.identity import REGISTER_ACCOUNT
from sportello_kit.logs import JsonFormatter, correlation_id, masked
from sportello_kit.topology import Topology


def test_an_event_subscription_is_a_quorum_queue_that_dead_letters_after_its_limit() -> None:
    queue = Topology("sportello", delivery_limit=4).event_queue(
        "identity", "backoffice.customer.onboarded"
    )
    assert queue.name == "sportello.identity.backoffice.customer.onboarded"
    assert queue.arguments["x-queue-type"] == "quorum"
    assert queue.durable
    assert queue.routing() == "backoffice.customer.onboarded"
    arguments = queue.arguments
    assert arguments["x-dead-letter-exchange"] == "sportello.dead-letter"
    assert arguments["x-dead-letter-routing-key"] == queue.name
    assert arguments["x-delivery-limit"] == 4
    assert arguments["x-dead-letter-strategy"] == "at-least-once"


def test_a_request_queue_leaves_with_its_last_consumer() -> None:
    queue = Topology("sportello").rpc_queue(REGISTER_ACCOUNT.address)
    assert queue.name == "sportello.rpc.identity.account.register.v1"
    assert queue.auto_delete
    assert not queue.durable


def test_each_subscription_has_its_own_dead_letter_queue() -> None:
    topology = Topology("t1")
    dead = topology.dead_letter_queue("t1.billing.backoffice.customer.onboarded")
    assert dead.name == "t1.billing.backoffice.customer.onboarded.dead"
    assert dead.routing() == "t1.billing.backoffice.customer.onboarded"


def test_log_lines_are_json_with_the_correlation_id() -> None:
    record = logging.LogRecord(
        "sportello.x", logging.INFO, __file__, 1, "hello %s", ("world",), None
    )
    token = correlation_id.set("req-42")
    try:
        line = json.loads(JsonFormatter("identity").format(record))
    finally:
        correlation_id.reset(token)
    assert line["msg"] == "hello world"
    assert line["service"] == "identity"
    assert line["correlation_id"] == "req-42"
    assert line["level"] == "info"


def test_masking_keeps_only_the_last_characters() -> None:
    assert masked("IT60X0542811101000000123456") == "***********************3456"
    assert masked("abc") == "***"
