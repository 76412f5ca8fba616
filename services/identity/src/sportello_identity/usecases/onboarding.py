"""A customer onboarded by the back-office becomes known to identity, PIN hashed."""

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_contracts.identity import ScopeChanged
from sportello_identity.adapters.hashing import hash_secret
from sportello_identity.bootstrap import Dependencies
from sportello_identity.domain.accounts import Customer
from sportello_identity.domain.fiscal import is_valid_fiscal_code
from sportello_kit.errors import PoisonMessage
from sportello_kit.logs import masked
from sportello_kit.transaction import Transaction


async def record_onboarded_customer(
    deps: Dependencies, event: Event[CustomerOnboarded], tx: Transaction
) -> None:
    onboarded = event.payload
    if not is_valid_fiscal_code(onboarded.fiscal_code):
        raise PoisonMessage(f"invalid fiscal code {masked(onboarded.fiscal_code)}")
    # Hashed before the transaction: the hash is slow and need not hold it open.
    customer = Customer(
        customer_code=onboarded.customer_code,
        fiscal_code=onboarded.fiscal_code,
        full_name=onboarded.full_name,
        email=onboarded.email.lower(),
        pin_hash=await hash_secret(onboarded.registration_pin),
    )

    session = tx.session
    await deps.store.save_onboarded(customer, session)
    # A new customer code of an already registered fiscal identity joins its account.
    account = await deps.store.account_of(customer.fiscal_code, session)
    if account is None or customer.customer_code in account["customer_codes"]:
        return
    await deps.store.add_customer_code(account["_id"], customer.customer_code, session)
    await deps.store.mark_registered([customer.customer_code], account["_id"], session)
    await tx.emit(
        ScopeChanged(
            account_id=account["_id"],
            customer_codes=(*account["customer_codes"], customer.customer_code),
        )
    )
