"""The customers billing knows: who owns supplies and billing profiles."""

from dataclasses import dataclass

from sportello_contracts.backoffice import CustomerOnboarded


@dataclass(frozen=True)
class Customer:
    """A customer as billing keeps it: who they are, never their registration PIN."""

    customer_code: str
    fiscal_code: str
    full_name: str


def onboarded_customer(onboarded: CustomerOnboarded) -> Customer:
    """The customer the back-office onboarded, as billing keeps it (the PIN stays behind)."""
    return Customer(
        customer_code=onboarded.customer_code,
        fiscal_code=onboarded.fiscal_code,
        full_name=onboarded.full_name,
    )
