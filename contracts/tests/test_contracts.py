"""Every message model: an example that round-trips, tolerance of new fields, a schema snapshot."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, EmailStr, TypeAdapter, ValidationError

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.base import Contract
from sportello_contracts.catalog import EVENT_EXAMPLES, OPERATIONS, RPC_EXAMPLES
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.formats import Email
from sportello_contracts.rpc import Caller

SNAPSHOT = Path(__file__).with_name("schemas.json")
EXAMPLES: tuple[Contract, ...] = (*EVENT_EXAMPLES, *RPC_EXAMPLES)


def _id(model: BaseModel) -> str:
    return type(model).__name__


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_every_example_round_trips_through_json(example: Contract) -> None:
    assert type(example).model_validate_json(example.model_dump_json()) == example


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_unknown_fields_are_tolerated_on_read(example: Contract) -> None:
    data = json.loads(example.model_dump_json())
    data["added_by_a_newer_producer"] = {"any": "thing"}
    assert type(example).model_validate(data) == example


@pytest.mark.parametrize("payload", EVENT_EXAMPLES, ids=_id)
def test_every_event_round_trips_in_its_envelope(payload: EventPayload) -> None:
    event = Event.new(payload, producer="test", correlation_id="c-1")
    read = Event[type(payload)].model_validate_json(event.model_dump_json())  # type: ignore[misc]
    assert read == event
    assert read.type == payload.ROUTING_KEY
    assert read.version == payload.VERSION


def test_every_operation_has_an_example_of_its_request_and_reply() -> None:
    example_types = {type(e) for e in RPC_EXAMPLES}
    for operation in OPERATIONS:
        assert operation.request in example_types, operation.name
        assert operation.reply in example_types, operation.name


def test_routing_keys_name_producer_entity_and_verb() -> None:
    for payload in EVENT_EXAMPLES:
        producer, entity, verb = payload.ROUTING_KEY.split(".")
        assert producer
        assert entity
        assert verb.endswith("ed")  # events are in the past tense


def test_an_event_of_another_version_is_refused_for_its_version() -> None:
    event = Event.new(EVENT_EXAMPLES[0], producer="test", correlation_id="c-1")
    data = json.loads(event.model_dump_json())
    data["version"] = 2
    data["payload"] = {"renamed_everything": True}
    with pytest.raises(ValidationError, match="unsupported version 2"):
        Event[CustomerOnboarded].model_validate(data)


def test_an_event_of_another_type_is_refused() -> None:
    event = Event.new(EVENT_EXAMPLES[1], producer="test", correlation_id="c-1")
    with pytest.raises(ValidationError, match=r"is not 'backoffice\.customer\.onboarded'"):
        Event[CustomerOnboarded].model_validate_json(event.model_dump_json())


def test_secrets_stay_out_of_reprs() -> None:
    text = repr(EXAMPLES)
    assert "48213907" not in text  # the registration PIN
    assert "Primavera-2026!" not in text  # the password
    assert "Autunno-a-Trieste-31" not in text  # a new password
    assert "pr_Vb3k9QxT2mWz8LcR5nYp1aHs7dJf4uEg6oIt0eKyBwM" not in text  # a reset link's token
    assert "ec_Qm4nT8vXz2LkP6wR1yHc9bJd3sFa7uEo5iGt0eKyBwN" not in text  # a confirmation link's
    assert "480213" not in text  # a phone's code


def test_operators_may_act_on_any_customer_and_customers_on_their_own() -> None:
    customer = Caller(user_id="u", role="customer", customer_codes=("C00000001",))
    assert customer.may_act_on("C00000001")
    assert not customer.may_act_on("C00000002")
    assert Caller(user_id="o", role="operator").may_act_on("C00000002")


def _schemas() -> dict[str, Any]:
    models = {type(e) for e in EXAMPLES} | {Event[type(p)] for p in EVENT_EXAMPLES}  # type: ignore[misc]
    return {m.__name__: m.model_json_schema() for m in sorted(models, key=lambda m: m.__name__)}


def test_schemas_match_the_snapshot() -> None:
    """A change to the bus's language shows up here: update with SPORTELLO_UPDATE_SNAPSHOTS=1."""
    current = _schemas()
    if os.environ.get("SPORTELLO_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(
            json.dumps(current, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
    assert json.loads(SNAPSHOT.read_text()) == current


@pytest.mark.parametrize(
    "value",
    [
        "Giulia.Bianchi@Example.IT",
        "  spazi@example.it ",
        "Giulia <giulia@example.it>",
        "senza-chiocciola",
        "x@[192.0.2.1]",
        "a@b",
        "è@esempio.it",
        "a" * 3000 + "@example.it",
        "riga\n@example.it",
        5,
        None,
    ],
)
def test_email_checks_as_pydantic_emailstr_does(value: object) -> None:
    # `Email` is `EmailStr` remembered: the same answer for every input, twice in a row.
    def outcome(kind: Any) -> object:
        try:
            return TypeAdapter(kind).validate_python(value)
        except ValidationError as error:
            return [(e["type"], e["msg"]) for e in error.errors()]

    expected = outcome(EmailStr)
    assert outcome(Email) == expected
    assert outcome(Email) == expected
