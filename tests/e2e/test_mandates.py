"""Direct-debit mandates end to end: asked with a billing-profile change, pending, then active
or refused as the back-office says, with an e-mail each time and the IBAN never whole."""

from datetime import date
from typing import Any

import httpx
import pytest

from e2e.billing_flows import gas_supply, italian_iban, publish, supplies_of
from e2e.flows import mails_about, signed_in_customer
from e2e.test_billing_changes import change, direct_debit, profiles_of
from sportello_contracts.payments import MandateActivated, MandateRefused
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_kit.topology import DEAD_LETTER_REASON, Topology

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def mandate_shown(
    gateway: httpx.AsyncClient, session: dict[str, Any], profile: str, status: str
) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        payment: dict[str, Any] = (await profiles_of(gateway, session))[profile]["payment"]
        return payment if payment["mandate_status"] == status else None

    return await eventually(shown, seconds=20, what=f"mandate of {profile} {status}")


async def test_a_mandate_is_pending_then_refused_or_active_and_the_customer_is_told(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    first, second = gas_supply(customer.customer_code), gas_supply(customer.customer_code)
    await publish(system, first, second)
    await supplies_of(gateway, session, 2)
    iban = italian_iban(5151)
    asked = await change(gateway, session, {"supply_ids": [first.supply_id]}, direct_debit(iban))
    assert asked.status_code == 200, asked.text
    reference = asked.json()["mandate_reference"]
    (profile,) = asked.json()["opened_profiles"]
    pending = await mandate_shown(gateway, session, profile, "pending")
    assert pending["mandate_reference"] == reference

    refused = MandateRefused(
        mandate_reference=reference,
        customer_code=customer.customer_code,
        refused_on=date.today(),
        reason="Conto estinto",
    )
    await publish(system, refused, refused)  # sent twice: told once
    shown = await mandate_shown(gateway, session, profile, "refused")
    assert shown["mandate_refusal_reason"] == "Conto estinto"
    (mail,) = await mails_about(system, customer.email, "Area Clienti: domiciliazione non attivata")
    text = text_of(mail)
    assert reference in text
    assert "Conto estinto" in text
    assert iban not in text.replace(" ", "")
    assert iban[-3:] in text.replace(" ", "")

    # Asked again with another IBAN for the other supply, and accepted this time.
    other = italian_iban(5252)
    again = await change(gateway, session, {"supply_ids": [second.supply_id]}, direct_debit(other))
    assert again.status_code == 200, again.text
    accepted_reference = again.json()["mandate_reference"]
    assert accepted_reference != reference
    await publish(
        system,
        MandateActivated(
            mandate_reference=accepted_reference,
            customer_code=customer.customer_code,
            activated_on=date.today(),
        ),
    )
    (to_profile,) = {m["to_profile"] for m in again.json()["moves"]}
    active = await mandate_shown(gateway, session, to_profile, "active")
    assert active["mandate_refusal_reason"] is None
    (mail,) = await mails_about(system, customer.email, "Area Clienti: domiciliazione attivata")
    assert accepted_reference in text_of(mail)
    assert other not in text_of(mail).replace(" ", "")


async def test_an_answer_for_a_mandate_never_asked_or_of_another_customer_is_dead_lettered(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    supply = gas_supply(customer.customer_code)
    await publish(system, supply)
    await supplies_of(gateway, session, 1)
    asked = await change(
        gateway, session, {"supply_ids": [supply.supply_id]}, direct_debit(italian_iban(6161))
    )
    reference = asked.json()["mandate_reference"]
    (profile,) = asked.json()["opened_profiles"]
    never = MandateActivated(
        mandate_reference="MND-NEVER-ASKED-0001",
        customer_code=customer.customer_code,
        activated_on=date.today(),
    )
    stranger = MandateActivated(
        mandate_reference=reference, customer_code="ZZ99999999", activated_on=date.today()
    )
    await publish(system, never, stranger)
    queue = Topology(system.servers.prefix).event_queue_name("billing", never.ROUTING_KEY)
    reasons: list[str] = []

    async def both_dead() -> bool:
        for message in await take_dead_letters(system.servers.rabbitmq_url, queue):
            reasons.append(str(message.headers[DEAD_LETTER_REASON]))
        mine = [r for r in reasons if "MND-NEVER-ASKED-0001" in r or reference in r]
        return len(mine) >= 2

    await eventually(both_dead, seconds=30, what="both answers dead-lettered")
    assert any("never asked" in r for r in reasons)
    assert any("not of customer ZZ99999999" in r for r in reasons)
    # The mandate itself is still pending.
    assert (await mandate_shown(gateway, session, profile, "pending"))[
        "mandate_reference"
    ] == reference
