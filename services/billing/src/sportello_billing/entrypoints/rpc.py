"""Billing's request/reply operations: the portal's reads and the billing-profile change."""

from sportello_billing.bootstrap import Dependencies
from sportello_billing.usecases import documents, payments, views
from sportello_billing.usecases.billing_changes import change_billing
from sportello_contracts.billing_profiles import (
    CHANGE_BILLING,
    GET_BILLING_PROFILE,
    LIST_BILLING_PROFILES,
    BillingChangedReply,
    BillingProfileReply,
    BillingProfilesReply,
    ChangeBillingRequest,
    GetBillingProfileRequest,
    ListBillingProfilesRequest,
)
from sportello_contracts.bills import (
    GET_BALANCE,
    GET_BILL,
    GET_BILL_DOCUMENT,
    GET_PLICO,
    GET_PLICO_DOCUMENT,
    LIST_BILLS,
    BalanceReply,
    BillReply,
    BillsPage,
    GetBalanceRequest,
    GetBillDocumentRequest,
    GetBillRequest,
    GetPlicoRequest,
    ListBillsRequest,
    PlicoReply,
)
from sportello_contracts.payments import (
    GET_PAYMENT,
    RECEIVE_PAYMENT_CALLBACK,
    START_PAYMENT,
    GetPaymentRequest,
    PaymentCallbackReply,
    PaymentCallbackRequest,
    PaymentReply,
    StartPaymentRequest,
)
from sportello_contracts.rpc import Document
from sportello_contracts.supplies import (
    GET_SUPPLY,
    LIST_SUPPLIES,
    GetSupplyRequest,
    ListSuppliesRequest,
    SuppliesReply,
    SupplyReply,
)
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def serve(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.rpc(LIST_SUPPLIES)
    async def list_supplies(request: ListSuppliesRequest) -> SuppliesReply:
        """The caller's supplies (one customer code's, for an administrator's selector)."""
        return await views.list_supplies(needs, request)

    @service.rpc(GET_SUPPLY)
    async def get_supply(request: GetSupplyRequest) -> SupplyReply:
        """One supply of the caller's."""
        return await views.get_supply(needs, request)

    @service.rpc(LIST_BILLING_PROFILES)
    async def list_profiles(request: ListBillingProfilesRequest) -> BillingProfilesReply:
        """The caller's billing profiles, active and closed, with their supplies."""
        return await views.list_profiles(needs, request)

    @service.rpc(GET_BILLING_PROFILE)
    async def get_profile(request: GetBillingProfileRequest) -> BillingProfileReply:
        """One billing profile of the caller's."""
        return await views.get_profile(needs, request)

    @service.rpc(CHANGE_BILLING)
    async def change(request: ChangeBillingRequest, tx: Transaction) -> BillingChangedReply:
        """Change bill delivery or payment for some supplies, a profile, or all condominiums."""
        return await change_billing(needs, tx, request)

    @service.rpc(LIST_BILLS)
    async def list_bills(request: ListBillsRequest) -> BillsPage:
        """The caller's bills of the last 24 months, grouped by profile, newest first."""
        return await views.list_bills(needs, request)

    @service.rpc(GET_BILL)
    async def get_bill(request: GetBillRequest) -> BillReply:
        """A bill of the caller's, with why it differs and what it qualifies for."""
        return await views.get_bill(needs, request)

    @service.rpc(GET_BILL_DOCUMENT)
    async def bill_document(request: GetBillDocumentRequest) -> Document:
        """A bill's PDF (summary or detail), as the reply's body."""
        return await documents.bill_document(needs, request)

    @service.rpc(GET_PLICO)
    async def get_plico(request: GetPlicoRequest) -> PlicoReply:
        """The plico a bill of the caller's belongs to."""
        return await views.get_plico(needs, request)

    @service.rpc(GET_PLICO_DOCUMENT)
    async def plico_document(request: GetPlicoRequest) -> Document:
        """The plico's PDF, as the reply's body."""
        return await documents.plico_document(needs, request)

    @service.rpc(GET_BALANCE)
    async def get_balance(request: GetBalanceRequest) -> BalanceReply:
        """What the caller has to pay."""
        return await views.get_balance(needs, request)

    @service.rpc(START_PAYMENT)
    async def start_payment(request: StartPaymentRequest) -> PaymentReply:
        """Pay an unpaid pagoPA bill now: a checkout at the payment provider (the same one
        for the same idempotency key). Not a kit command: its provider call cannot sit in the
        reply's transaction, so it keeps its own idempotency (one payment per key)."""
        return await payments.start_payment(needs, request)

    @service.rpc(GET_PAYMENT)
    async def get_payment(request: GetPaymentRequest) -> PaymentReply:
        """One online payment of the caller's, and where it stands."""
        return await payments.get_payment(needs, request)

    @service.rpc(RECEIVE_PAYMENT_CALLBACK)
    async def payment_callback(request: PaymentCallbackRequest) -> PaymentCallbackReply:
        """A payment provider's signed callback: applied once; a forged, stale or tampered
        one is refused and recorded."""
        return await payments.receive_callback(needs, request)
