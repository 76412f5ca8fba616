"""The bank's answer to a direct-debit mandate, as the back-office tells it; the requester is
told in turn (`MandateChanged`, which notifications mails)."""

from datetime import date

from sportello_billing.usecases.ports import Needs, Transaction
from sportello_contracts.payments import MandateChanged, MandateState
from sportello_kit.errors import PoisonMessage


async def decide_mandate(
    needs: Needs,
    tx: Transaction,
    reference: str,
    customer_code: str,
    state: MandateState,
    on: date,
    reason: str | None = None,
) -> None:
    """Keep the answer once. A mandate is known before the back-office can answer (it is
    kept in the transaction that asks for it), so an answer for an unknown one is a mistake."""
    mandates = needs.store.mandates(tx.session)
    mandate = await mandates.get(reference)
    if mandate is None:
        raise PoisonMessage(f"mandate {reference} was never asked for")
    if not mandate.of_customer(customer_code):
        raise PoisonMessage(f"mandate {reference} is not of customer {customer_code}")
    if not await mandates.decide(reference, state, on, reason):
        return  # the same answer again
    await tx.emit(
        MandateChanged(
            mandate_reference=reference,
            state=state,
            account_id=mandate.account_id,
            customer_codes=mandate.customer_codes,
            billing_profiles=mandate.billing_profiles,
            holder_name=mandate.holder_name,
            iban_masked=mandate.iban_masked,
            reason=reason,
            on=on,
        )
    )
