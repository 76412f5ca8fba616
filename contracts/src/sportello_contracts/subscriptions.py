"""Who consumes which event: one durable queue per (service, event), declared from this table.

The topology step declares every queue listed here before any producer runs, so an event
published before its consumer first starts waits in its queue instead of being lost.
"""

from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import (
    AccountRecoveryAsked,
    PasswordChanged,
    PasswordResetIssued,
)
from sportello_contracts.envelope import EventPayload
from sportello_contracts.identity import AccountRegistered

SUBSCRIPTIONS: dict[str, tuple[type[EventPayload], ...]] = {
    # Only identity hears of registration PINs: `test_subscriptions` keeps it so.
    "identity": (CustomerOnboarded, RegistrationPinIssued, AccountRecoveryAsked),
    # Billing keeps who owns supplies and profiles.
    "billing": (CustomerOnboarded,),
    # Only notifications hears of reset links: `test_subscriptions` keeps it so.
    "notifications": (
        AccountRegistered,
        PasswordResetIssued,
        PasswordChanged,
        EmailConfirmationIssued,
        EmailChanged,
        PhoneCodeIssued,
        PhoneChanged,
    ),
}
