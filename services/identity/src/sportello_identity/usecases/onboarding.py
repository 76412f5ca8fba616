"""A customer onboarded by the back-office becomes known to identity, PIN hashed."""

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.identity import ScopeChanged
from sportello_identity.domain.accounts import Customer
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.usecases.ports import Dependencies, Transaction


async def record_onboarded_customer(
    deps: Dependencies, onboarded: CustomerOnboarded, tx: Transaction
) -> None:
    """Keep the customer; a new customer code of a registered fiscal identity joins its account.

    Raises `InvalidFiscalCode` for a customer that can never be registered.
    """
    check_fiscal_code(onboarded.fiscal_code)
    # Hashed inside the transaction the kit opened before calling us: it stays open for the
    # hash's tens of milliseconds, which onboarding's rate (a back-office feed) affords.
    customer = Customer(
        customer_code=onboarded.customer_code,
        fiscal_code=onboarded.fiscal_code,
        full_name=onboarded.full_name,
        email=onboarded.email.lower(),
        pin_hash=await deps.hasher.hash(onboarded.registration_pin),
    )

    session = tx.session
    await deps.store.save_onboarded(customer, session)
    account = await deps.store.account_of(customer.fiscal_code, session)
    if account is None or customer.customer_code in account.customer_codes:
        return
    await deps.store.add_customer_code(account.account_id, customer.customer_code, session)
    await deps.store.mark_registered([customer.customer_code], account.account_id, session)
    await tx.emit(
        ScopeChanged(
            account_id=account.account_id,
            customer_codes=(*account.customer_codes, customer.customer_code),
        )
    )
