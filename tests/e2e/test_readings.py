"""Self-readings end to end: sent with the digits alone, judged fairly, answered in words, then
followed in the tracker from received to validated (or rejected, or superseded by the
distributor's reading) to used in a bill, with a message at each outcome."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from e2e.billing_flows import gas_bill, publish, told_to_backoffice
from e2e.flows import assert_problem, bearer, mails_about, service_ok, signed_in_customer
from e2e.reading_flows import (
    box_of,
    history_of,
    metered_customer,
    reading_becomes,
    send_reading,
    today,
)
from sportello_contracts.bills import ReadingUsed
from sportello_contracts.readings import (
    DistributorReadingsPublished,
    MeterInstalled,
    MeterSpec,
    ReadingProgressed,
)
from sportello_contracts.supplies import SupplyCeased
from sportello_deploy.processes import Deployable
from sportello_deploy.sample_billing import gas_supply
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_a_reading_goes_from_received_to_validated_to_used_in_a_bill(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, supply, _meter = await metered_customer(system, gateway)
    box = await box_of(gateway, session, supply.supply_id)
    assert box["state"] == "open", box
    assert box["meter"]["digits"] == 5

    sent = await send_reading(gateway, session, supply.supply_id, {"digits": "01212"})
    assert sent.status_code == 201, sent.text
    receipt = sent.json()
    reading = receipt["reading"]
    assert sent.headers["location"] == f"/v1/readings/{reading['reading_id']}"
    assert receipt["outcome"] == "received"
    assert reading["status"] == "received"
    assert reading["values"] == {"total": 1212}
    assert reading["consumption"] == 212
    assert "distributore" in receipt["message"]
    assert reading["answer_by"] > today().isoformat()  # four working days at most

    # The same digits again (a double tap, a retry): the same reading, nothing new.
    again = await send_reading(gateway, session, supply.supply_id, {"digits": "1212"})
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "already_received"
    assert again.json()["reading"]["reading_id"] == reading["reading_id"]
    told = await told_to_backoffice(
        system,
        "metering.reading.received",
        lambda p: p["reading_id"] == reading["reading_id"],
    )
    assert told["payload"]["account_id"]
    assert told["payload"]["flagged"] is False
    await mails_about(system, customer.email, "Area Clienti: abbiamo ricevuto la tua lettura")

    def step(name: str, **more: Any) -> ReadingProgressed:
        return ReadingProgressed(
            reading_id=reading["reading_id"],
            customer_code=customer.customer_code,
            supply_id=supply.supply_id,
            step=name,  # type: ignore[arg-type]
            on=today(),
            **more,
        )

    # Validated arrives first, then the older "forwarded" step: it changes nothing.
    await publish(system, step("validated"), step("validated"))
    validated = await reading_becomes(gateway, session, reading["reading_id"], "validated")
    await publish(system, step("forwarded"))
    bill = gas_bill(customer.customer_code, supply.supply_id, issued_on=today()).model_copy(
        update={"readings": (ReadingUsed(read_on=today(), value=1212, kind="self"),)}
    )
    await publish(system, bill)
    billed = await reading_becomes(gateway, session, reading["reading_id"], "billed")
    assert billed["bill_number"] == bill.bill_number
    assert [s["status"] for s in billed["steps"]] == ["received", "validated", "billed"]
    assert [s["status"] for s in validated["steps"]] == ["received", "validated"]
    await mails_about(system, customer.email, "Area Clienti: la tua lettura è stata convalidata")
    (mail,) = await mails_about(
        system, customer.email, "Area Clienti: la tua lettura è stata usata"
    )
    assert bill.bill_number in str(mail)

    # A validated reading is the base the next one is judged from.
    history = await history_of(gateway, session, supply.supply_id, 1)
    assert history[0]["source"] == "customer"


async def test_bad_digits_and_other_customers_supplies_are_refused_clearly(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway)
    path = supply.supply_id
    for digits, code in (
        ("12a4", "not_digits"),
        ("-5", "not_digits"),
        ("12.5", "not_digits"),
        ("123456", "too_many_digits"),
        ("0999", "lower_than_previous"),
    ):
        answer = await send_reading(gateway, session, path, {"digits": digits})
        assert_problem(answer, 422, code)
    for body in ({"digits": 1212}, {}, {"digits": "1", "bands": {"F1": "1"}}, {"digits": "9" * 21}):
        assert (await send_reading(gateway, session, path, body)).status_code == 422, body
    answer = await send_reading(
        gateway, session, path, {"bands": {"F1": "1", "F2": "2", "F3": "3"}}
    )
    assert_problem(answer, 422, "wrong_registers")

    # Another customer's supply, and one that does not exist: the same 404.
    _, stranger = await signed_in_customer(system, gateway)
    problem = assert_problem(
        await send_reading(gateway, stranger, path, {"digits": "1300"}), 404, "supply_not_found"
    )
    assert problem["details"] == {"supply_id": path}  # their own input, nothing more
    answer = await gateway.get(f"/v1/supplies/{path}/readings", headers=bearer(stranger))
    assert_problem(answer, 404, "supply_not_found")
    assert_problem(
        await send_reading(gateway, session, "S-000000000", {"digits": "1"}),
        404,
        "supply_not_found",
    )
    # Nothing refused was kept: the supply's history is as empty as before.
    answer = await gateway.get(f"/v1/supplies/{path}/readings", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    assert answer.json()["readings"] == []


async def test_a_high_reading_is_accepted_and_flagged_and_a_rollover_is_not_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway, initial=99_950)
    # Past 99999 the dial starts from zero again: 99950 -> 00040 is 90 m3, not a lower reading.
    answer = await send_reading(gateway, session, supply.supply_id, {"digits": "00040"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["reading"]["consumption"] == 90

    _customer, session, other, _ = await metered_customer(system, gateway, initial=100)
    answer = await send_reading(gateway, session, other.supply_id, {"digits": "60000"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["reading"]["flagged"] is True
    told = await told_to_backoffice(
        system, "metering.reading.received", lambda p: p["supply_id"] == other.supply_id
    )
    assert told["payload"]["flagged"] is True
    assert told["payload"]["flag_reason"]


async def test_concurrent_double_submits_make_one_reading(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway)
    answers = await asyncio.gather(
        *(send_reading(gateway, session, supply.supply_id, {"digits": "1400"}) for _ in range(6))
    )
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    assert len({a.json()["reading"]["reading_id"] for a in answers}) == 1
    assert len(await history_of(gateway, session, supply.supply_id, 1)) == 1


async def test_outside_the_window_a_reading_is_kept_and_the_next_window_named(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway, window=(5, 10))
    box = await box_of(gateway, session, supply.supply_id)
    assert box["state"] == "out_of_window"
    opens = (today() + timedelta(5)).isoformat()
    assert box["next_window_opens_on"] == opens
    answer = await send_reading(gateway, session, supply.supply_id, {"digits": "1100"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["reading"]["in_window"] is False
    assert (today() + timedelta(5)).strftime("%d/%m/%Y") in answer.json()["message"]


async def test_smart_ceased_and_unmetered_supplies_say_why_instead_of_asking(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, supply, meter = await metered_customer(system, gateway)
    smart = MeterInstalled(
        **{
            **meter.model_dump(),
            "meter": MeterSpec(serial="SM-1", digits=6, unit="m3", smart=True),
            "installed_on": today(),
            "initial": {"total": 0},
            "replaced_serial": meter.meter.serial,
            "removal": {"total": 1300},
        }
    )
    await publish(system, smart)
    await box_of(gateway, session, supply.supply_id, lambda box: box["state"] == "read_remotely")
    answer = await send_reading(gateway, session, supply.supply_id, {"digits": "10"})
    assert_problem(answer, 409, "read_remotely")
    # The replaced meter's series stays in the history's meters.
    page = await gateway.get(f"/v1/supplies/{supply.supply_id}/readings", headers=bearer(session))
    assert {m["serial"] for m in page.json()["meters"]} == {meter.meter.serial, "SM-1"}

    await publish(
        system,
        SupplyCeased(
            supply_id=supply.supply_id, customer_code=customer.customer_code, ceased_on=today()
        ),
    )
    await box_of(gateway, session, supply.supply_id, lambda box: box["state"] == "ceased")
    assert_problem(
        await send_reading(gateway, session, supply.supply_id, {"digits": "10"}),
        409,
        "supply_ceased",
    )

    bare = gas_supply(customer.customer_code)
    await publish(system, bare, gas_bill(customer.customer_code, bare.supply_id, issued_on=today()))
    await box_of(gateway, session, bare.supply_id, lambda box: box["state"] == "no_meter")
    assert_problem(
        await send_reading(gateway, session, bare.supply_id, {"digits": "1"}), 409, "no_meter"
    )


async def test_a_rejection_says_why_and_a_distributor_reading_supersedes_a_pending_one(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, supply, meter = await metered_customer(system, gateway)
    first = (await send_reading(gateway, session, supply.supply_id, {"digits": "1500"})).json()
    await publish(
        system,
        ReadingProgressed(
            reading_id=first["reading"]["reading_id"],
            customer_code=customer.customer_code,
            supply_id=supply.supply_id,
            step="rejected",
            on=today(),
            reason_code="meter_mismatch",
            note="Matricola diversa da quella installata.",
        ),
    )
    rejected = await reading_becomes(gateway, session, first["reading"]["reading_id"], "rejected")
    assert rejected["reason"]
    assert "Matricola" in rejected["steps"][-1]["explanation"]
    await mails_about(system, customer.email, "Area Clienti: la tua lettura non è stata accettata")

    second = (await send_reading(gateway, session, supply.supply_id, {"digits": "1450"})).json()
    await publish(
        system,
        DistributorReadingsPublished(
            batch_id=f"B-{supply.supply_id}",
            rows=(
                {
                    "supply_id": supply.supply_id,
                    "meter_serial": meter.meter.serial,
                    "read_on": (today() - timedelta(1)).isoformat(),
                    "values": {"total": 1448},
                },
            ),
        ),
    )
    superseded = await reading_becomes(
        gateway, session, second["reading"]["reading_id"], "superseded"
    )
    assert superseded["reason"]
    await mails_about(
        system, customer.email, "Area Clienti: il distributore ha letto il tuo contatore"
    )
    sources = {r["source"] for r in await history_of(gateway, session, supply.supply_id, 3)}
    assert sources == {"customer", "distributor"}


async def test_metering_killed_after_keeping_a_batchs_rows_supersedes_once_when_it_is_back(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    """The rows of a batch are written before its transaction commits: killed in between,
    metering finds them kept at the redelivery, and still supersedes the customer's pending
    reading, once, with one mail; the rows are there once."""
    customer, session, supply, meter = await metered_customer(system, gateway)
    sent = (await send_reading(gateway, session, supply.supply_id, {"digits": "1450"})).json()
    crashing = Deployable(
        "metering",
        {**system.env, "SPORTELLO_FAILPOINTS": "after-rows:metering.distributor_readings"},
        system.logs / "metering-crashing.log",
    )
    system.kill("metering")
    try:
        crashing.start()
        await eventually(
            lambda: service_ok(system, "metering"), seconds=30, what="the crashing metering up"
        )
        await publish(
            system,
            DistributorReadingsPublished(
                batch_id=f"K-{supply.supply_id}",
                rows=(
                    {
                        "supply_id": supply.supply_id,
                        "meter_serial": meter.meter.serial,
                        "read_on": (today() - timedelta(1)).isoformat(),
                        "values": {"total": 1448},
                    },
                ),
            ),
        )

        async def crashed() -> bool:
            return not crashing.running

        await eventually(crashed, seconds=20, what="metering killed after keeping the rows")
    finally:
        crashing.kill()
        system.start("metering")
        await eventually(lambda: service_ok(system, "metering"), seconds=30, what="metering back")
    await reading_becomes(gateway, session, sent["reading"]["reading_id"], "superseded")
    # One mail, and no second one after it.
    await mails_about(
        system, customer.email, "Area Clienti: il distributore ha letto il tuo contatore"
    )
    history = await history_of(gateway, session, supply.supply_id, 2)
    assert sorted(r["source"] for r in history) == ["customer", "distributor"]


async def test_a_reading_sent_again_with_its_key_gets_its_first_answer(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway)
    key = f"rdg-{supply.supply_id}"
    one = await send_reading(gateway, session, supply.supply_id, {"digits": "1250"}, key)
    two = await send_reading(gateway, session, supply.supply_id, {"digits": "1250"}, key)
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert one.json() == two.json()
    other = await send_reading(gateway, session, supply.supply_id, {"digits": "1260"}, key)
    assert_problem(other, 409, "idempotency_key_reused")  # the same key, another reading
