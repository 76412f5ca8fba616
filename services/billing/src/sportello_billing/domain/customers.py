"""The customers billing knows: who owns supplies and billing profiles."""

from dataclasses import dataclass

from sportello_contracts.backoffice import CustomerOnboarded


@dataclass(frozen=True)
class Customer:
    """A customer as billing keeps it: who they are, never their registration PIN.

    The fiscal code and the name are None once the customer's portal account was deleted
    (`pseudonymised`): the customer code stays, and with it the bills.
    """

    customer_code: str
    fiscal_code: str | None
    full_name: str | None


def onboarded_customer(onboarded: CustomerOnboarded) -> Customer:
    """The customer the back-office onboarded, as billing keeps it (the PIN stays behind)."""
    return Customer(
        customer_code=onboarded.customer_code,
        fiscal_code=onboarded.fiscal_code,
        full_name=onboarded.full_name,
    )


def pseudonymised(customer_code: str) -> Customer:
    """What billing keeps of a customer whose portal account was deleted.

    The record stays under its customer code, so its bills stay with it as the law requires
    (they are kept for ten years); nothing left here names the person. The back-office, the
    supplier's system of record, keeps the fiscal data the invoices themselves need, and a new
    onboarding from it (a customer registering again) fills the record in again.
    """
    return Customer(customer_code=customer_code, fiscal_code=None, full_name=None)
