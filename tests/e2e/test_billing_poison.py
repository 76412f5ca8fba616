"""What the back-office could get wrong about supplies and bills is dead-lettered with its reason,
no whole IBAN in it, and nothing of it is kept; what it got right still goes through."""

import json
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest

from e2e.billing_flows import gas_bill, gas_supply, italian_iban, publish, supplies_of
from e2e.flows import bearer, signed_in_customer
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.supplies import DirectDebitPayment
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_kit.topology import DEAD_LETTER_REASON, Topology

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def event_body(payload: EventPayload, **changes: Any) -> tuple[str, bytes]:
    """The event of `payload` with `changes` made to its JSON payload: its id and its bytes."""
    event = Event.new(payload, producer="backoffice", correlation_id=uuid4().hex)
    data = json.loads(event.model_dump_json())
    data["payload"].update(changes)
    return str(event.event_id), json.dumps(data).encode()


async def test_bad_supplies_and_bills_are_dead_lettered_with_the_reason_and_good_ones_kept(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    (customer, session), (other, _) = (
        await signed_in_customer(system, gateway),
        await signed_in_customer(system, gateway),
    )
    good = gas_supply(customer.customer_code)
    theirs = gas_supply(other.customer_code)
    await publish(system, good, theirs)
    await supplies_of(gateway, session, 1)

    bad_iban = italian_iban(9)
    bad_iban = bad_iban[:-1] + ("1" if bad_iban[-1] == "0" else "0")  # a wrong check digit
    on_debit = gas_supply(
        customer.customer_code,
        payment=DirectDebitPayment(
            holder_name="Cliente Di Prova", holder_fiscal_code=customer.fiscal_code, iban=bad_iban
        ),
    )
    bill = gas_bill(customer.customer_code, good.supply_id, issued_on=date.today())
    cases = {
        # A gas supply named by a POD: refused by its contract.
        "pod_for_gas": (
            event_body(gas_supply(customer.customer_code), point_id="IT001E12345678"),
            "PDR",
        ),
        # An IBAN of the right shape with a wrong check digit: refused by billing.
        "bad_iban": (event_body(on_debit), "IBAN non valido"),
        # Lines that do not add up to the total.
        "lines": (event_body(bill, total_cents=bill.total_cents + 1), "do not add up"),
        # A bill of this customer for another customer's supply.
        "other_supply": (
            event_body(gas_bill(customer.customer_code, theirs.supply_id, issued_on=date.today())),
            "not of customer",
        ),
    }
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        for (event_id, body), _ in cases.values():
            kind = json.loads(body)["type"]
            await backoffice.publish_raw(body, kind, message_id=event_id)

    topology = Topology(system.servers.prefix)
    queues = {
        topology.event_queue_name("billing", key)
        for key in ("backoffice.supply.activated", "backoffice.bill.issued")
    }
    reasons: dict[str, str] = {}

    async def all_dead() -> bool:
        for queue in queues:
            for message in await take_dead_letters(system.servers.rabbitmq_url, queue):
                reasons[message.message_id or ""] = str(message.headers[DEAD_LETTER_REASON])
        return all(event_id in reasons for (event_id, _), _ in cases.values())

    await eventually(all_dead, seconds=30, what="the bad events dead-lettered")
    for name, ((event_id, _), expected) in cases.items():
        assert expected in reasons[event_id], (name, reasons[event_id])
        assert bad_iban not in reasons[event_id]
    # Nothing of them was kept: one supply, and no bill on the other customer's supply.
    supplies = (await gateway.get("/v1/supplies", headers=bearer(session))).json()["supplies"]
    assert [s["supply_id"] for s in supplies] == [good.supply_id]
    bills = (await gateway.get("/v1/bills", headers=bearer(session))).json()["groups"]
    assert bills == []
