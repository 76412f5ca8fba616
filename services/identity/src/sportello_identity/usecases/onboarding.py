"""Customers onboarded by the back-office become known to identity: details and PIN, in any order.

The back-office sends a customer code's details (`CustomerOnboarded`, broadcast) and its
welcome letter's PIN (`RegistrationPinIssued`, for identity alone) apart. Whichever arrives
second makes the customer code registrable, and joins it to the account of its fiscal identity
if there is one. Both write the fiscal identity's document, as registration does, so none of
the three can miss what another is committing at the same moment.
"""

from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.identity import ScopeChanged
from sportello_identity.domain.accounts import CustomerDetails, joins_account
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.usecases.ports import Dependencies, Transaction


async def record_onboarded_customer(
    deps: Dependencies, onboarded: CustomerOnboarded, tx: Transaction
) -> None:
    """Keep (or update) the customer code's details.

    Raises `InvalidFiscalCode` for a customer that can never be registered.
    """
    check_fiscal_code(onboarded.fiscal_code)
    details = CustomerDetails(
        customer_code=onboarded.customer_code,
        fiscal_code=onboarded.fiscal_code,
        full_name=onboarded.full_name,
        email=onboarded.email.lower(),
    )
    await deps.store.touch_identity(details.fiscal_code, tx.session)
    await deps.store.save_customer_details(details, tx.session)
    await _join_account_if_registrable(deps, details.customer_code, tx)


async def record_registration_pin(
    deps: Dependencies, issued: RegistrationPinIssued, tx: Transaction
) -> None:
    """Keep the hash of the customer code's PIN; a new letter's PIN replaces an unused one.

    A PIN for a customer code registered already changes nothing (and is not even hashed).
    Hashed inside the transaction the kit opened after finding the event new: a redelivery
    costs no hash. Raises `InvalidFiscalCode` for a customer that can never be registered.
    """
    check_fiscal_code(issued.fiscal_code)
    # First, before the hash: a registration of this fiscal identity running or committed
    # meanwhile makes this write conflict now, and the retry has spent no hash yet.
    await deps.store.touch_identity(issued.fiscal_code, tx.session)
    known = await deps.store.customer(issued.customer_code, tx.session)
    if known is not None and known.account_id is not None:
        return
    pin_hash = await deps.hasher.hash(issued.registration_pin)
    await deps.store.save_pin_hash(issued.customer_code, issued.fiscal_code, pin_hash, tx.session)
    await _join_account_if_registrable(deps, issued.customer_code, tx)


async def _join_account_if_registrable(
    deps: Dependencies, customer_code: str, tx: Transaction
) -> None:
    customer = await deps.store.customer(customer_code, tx.session)
    if customer is None:
        return  # the other half has not arrived: it will do this
    account = await deps.store.account_of(customer.fiscal_code, tx.session)
    if account is None or not joins_account(customer, account):
        return
    await deps.store.add_customer_code(account.account_id, customer_code, tx.session)
    await deps.store.mark_registered([customer_code], account.account_id, tx.session)
    await tx.emit(
        ScopeChanged(
            account_id=account.account_id,
            customer_codes=(*account.customer_codes, customer_code),
        )
    )
