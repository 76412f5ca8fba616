"""Topology names, arguments and policies; JSON logs; masking."""

import json
import logging
import re

from sportello_contracts.identity import REGISTER_ACCOUNT
from sportello_kit.logs import JsonFormatter, correlation_id, masked
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import Topology


def test_an_event_subscription_is_a_quorum_queue_that_dead_letters() -> None:
    queue = Topology("sportello").event_queue("identity", "backoffice.customer.onboarded")
    assert queue.name == "sportello.identity.backoffice.customer.onboarded"
    assert queue.arguments["x-queue-type"] == "quorum"
    assert queue.durable
    assert queue.routing() == "backoffice.customer.onboarded"
    arguments = queue.arguments
    assert arguments["x-dead-letter-exchange"] == "sportello.dead-letter"
    assert arguments["x-dead-letter-routing-key"] == queue.name
    assert arguments["x-dead-letter-strategy"] == "at-least-once"
    # Tunables are policies, so changing one never fails a redeclaration.
    assert not {"x-delivery-limit", "x-message-ttl", "x-expires", "x-max-length"} & set(arguments)


def test_a_request_queue_leaves_with_its_last_consumer_and_is_durable_for_rabbitmq_4() -> None:
    queue = Topology("sportello").rpc_queue(REGISTER_ACCOUNT.address)
    assert queue.name == "sportello.rpc.identity.account.register.v1"
    assert queue.auto_delete
    assert queue.durable  # RabbitMQ 4.3 refuses non-durable queues that are not exclusive
    assert not queue.exclusive  # every replica consumes it
    assert queue.arguments["x-dead-letter-routing-key"] == queue.name


def test_event_dead_letters_are_quorum_unless_the_setting_says_classic() -> None:
    queue = Topology("sportello").event_queue_name("billing", "backoffice.bill.issued")
    quorum = ServiceSettings.model_validate({"SPORTELLO_ENV": "development"})
    classic = ServiceSettings.model_validate(
        {"SPORTELLO_ENV": "development", "BUS_DEAD_LETTER_QUEUE_TYPE": "classic"}
    )
    assert Topology.of(quorum).dead_letter_queue(queue).arguments["x-queue-type"] == "quorum"
    assert Topology.of(classic).dead_letter_queue(queue).arguments["x-queue-type"] == "classic"
    # A request queue's are classic either way.
    request = Topology.of(quorum).rpc_queue_name(REGISTER_ACCOUNT.address)
    assert Topology.of(quorum).dead_letter_queue(request).arguments["x-queue-type"] == "classic"


def test_a_request_nobody_takes_goes_to_the_callers_through_the_alternate_exchange() -> None:
    topology = Topology("sportello")
    queue = topology.rpc_queue(REGISTER_ACCOUNT.address)
    assert queue.routing() == queue.name  # bound to `requests` by its own name
    assert topology.requests.type.value == "direct"
    assert topology.requests.arguments == {"alternate-exchange": "sportello.unrouted"}
    assert topology.unrouted.name == "sportello.unrouted"
    assert topology.unrouted.type.value == "fanout"  # every gateway sees it, whatever its key


def test_each_policy_applies_to_its_own_queues_only() -> None:
    topology = Topology("sportello")
    policies = {p.name: re.compile(p.pattern) for p in topology.policies(5, 14)}
    names = {
        "subscription": topology.event_queue_name("billing", "backoffice.customer.onboarded"),
        "dead": topology.event_queue_name("billing", "backoffice.customer.onboarded") + ".dead",
        "request": topology.rpc_queue_name(REGISTER_ACCOUNT.address),
        "request dead": topology.rpc_queue_name(REGISTER_ACCOUNT.address) + ".dead",
        "retry": topology.retry_name(0.5),
        "other prefix": "sportello-other.billing.backoffice.customer.onboarded",
    }
    matching = {
        kind: sorted(n for n, p in policies.items() if p.search(name))
        for kind, name in names.items()
    }
    assert matching == {
        "subscription": ["sportello-subscriptions"],
        "dead": ["sportello-dead-letters"],
        "request": ["sportello-requests"],
        "request dead": ["sportello-dead-letters"],
        "retry": [],
        "other prefix": [],
    }


def test_the_dead_letters_of_a_secret_are_kept_for_hours_by_a_policy_that_outranks() -> None:
    topology = Topology("sportello")
    pins = topology.event_queue_name("identity", "backoffice.registration_pin.issued")
    others = topology.event_queue_name("identity", "backoffice.customer.onboarded")
    policies = topology.policies(5, 14, secret_queues=(pins,), secret_dead_letter_hours=6)
    applying = sorted(
        (p for p in policies if re.search(p.pattern, f"{pins}.dead")),
        key=lambda p: p.priority,
    )
    assert [p.name for p in applying] == ["sportello-dead-letters", "sportello-secret-dead-letters"]
    assert applying[-1].definition == {"message-ttl": 6 * 3600 * 1000}
    assert not re.search(applying[-1].pattern, f"{others}.dead")
    assert not re.search(applying[-1].pattern, pins)  # the live queue keeps its own policy


def test_a_retry_queue_sends_what_expires_back_through_redeliver() -> None:
    topology = Topology("t1")
    queue = topology.retry_queue(0.2)
    assert queue.name == "t1.retry.200ms" == topology.retry_exchange(0.2).name
    assert queue.arguments["x-dead-letter-exchange"] == "t1.redeliver"
    assert "x-dead-letter-routing-key" not in queue.arguments  # the message's own key: its queue


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
