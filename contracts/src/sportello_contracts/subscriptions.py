"""Who consumes which event: one durable queue per (service, event), declared from this table.

The topology step declares every queue listed here before any producer runs, so an event
published before its consumer first starts waits in its queue instead of being lost.
"""

from sportello_contracts.account_deletion import (
    AccountDeleted,
    BillingAccountDataErased,
    NotificationsAccountDataErased,
)
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.billing_profiles import BillingProfilesChanged, DirectDebitRequested
from sportello_contracts.bills import BillCancelled, BillCredited, BillIssued
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
from sportello_contracts.payments import (
    BillOverpaid,
    BillPaymentRegistered,
    InstalmentPlanApproved,
    MandateActivated,
    MandateChanged,
    MandateRefused,
    OnlinePaymentSucceeded,
    PaymentRegistered,
)
from sportello_contracts.personal_data import PersonalDataChangeRequested
from sportello_contracts.readings import (
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDaysPublished,
    MeterInstalled,
    ReadingProgressed,
    ReadingStatusChanged,
    SelfReadingReceived,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.requests import RequestProgressed, RequestStatusChanged, RequestSubmitted
from sportello_contracts.supplies import SupplyActivated, SupplyCeased, SupplyUpdated

SUBSCRIPTIONS: dict[str, tuple[type[EventPayload], ...]] = {
    # Only identity hears of registration PINs: `test_subscriptions` keeps it so. Administrator
    # codes and reset links (secret too) reach notifications alone, which e-mails them.
    "identity": (
        CustomerOnboarded,
        RegistrationPinIssued,
        AccountRecoveryAsked,
        BillingAccountDataErased,
        NotificationsAccountDataErased,
        # A user's change of bill delivery or payment joins their trail.
        BillingProfilesChanged,
    ),
    # Billing keeps who owns supplies and profiles, and the bills. It alone hears of supply
    # activations (a direct debit's IBAN rides on them).
    "billing": (
        CustomerOnboarded,
        AccountDeleted,
        SupplyActivated,
        SupplyUpdated,
        SupplyCeased,
        BillIssued,
        BillCancelled,
        BillCredited,
        PaymentRegistered,
        InstalmentPlanApproved,
        MandateActivated,
        MandateRefused,
    ),
    # Metering keeps meters and readings: a bill says which readings it used (and when the next
    # reading window opens), a ceased supply takes no more self-readings.
    "metering": (
        MeterInstalled,
        SupplyCeased,
        BillIssued,
        EnergyPricesChanged,
        ReadingProgressed,
        DistributorReadingsPublished,
        IntervalDaysPublished,
    ),
    # Requests keeps what it admits requests against: supplies (from their meters: an
    # activation carries an IBAN), bills and what is left to pay of them.
    "requests": (
        RequestProgressed,
        MeterInstalled,
        SupplyCeased,
        BillIssued,
        BillPaymentRegistered,
        InstalmentPlanApproved,
    ),
    "notifications": (
        AccountRegistered,
        AccountDeleted,
        AdministratorCodeIssued,
        PasswordResetIssued,
        PasswordChanged,
        EmailConfirmationIssued,
        EmailChanged,
        PhoneCodeIssued,
        PhoneChanged,
        # Where each account's mail goes, for messages whose event does not say.
        AccountContactSet,
        BillingProfilesChanged,
        # The payer's receipt, the payment registered, the mandate's outcome.
        OnlinePaymentSucceeded,
        BillPaymentRegistered,
        MandateChanged,
        # Each step of a customer's reading, and of a request.
        ReadingStatusChanged,
        RequestStatusChanged,
    ),
}

# What the supplier's back-office consumes of ours. Its queues are declared by the topology step
# too, durable, so what Sportello tells it waits there until it reads it (a direct-debit request
# published while it is down is not lost); it reads them with its own broker user.
BACKOFFICE = "backoffice"
BACKOFFICE_SUBSCRIPTIONS: tuple[type[EventPayload], ...] = (
    PersonalDataChangeRequested,
    BillingProfilesChanged,
    DirectDebitRequested,
    # Online payments to register, and bills paid twice to refund.
    OnlinePaymentSucceeded,
    BillOverpaid,
    # Customers' readings, to pass to the distributor (flagged ones to look at first).
    SelfReadingReceived,
    # Requests filed, with their forms, and their changes (a cancellation above all).
    RequestSubmitted,
    RequestStatusChanged,
)
