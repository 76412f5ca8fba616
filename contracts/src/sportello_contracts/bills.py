"""Bills: the back-office's events, and how the portal reads them (lists, detail, PDFs, plico)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode
from sportello_contracts.rpc import Document, Operation, Request
from sportello_contracts.supplies import Commodity, ShortText, SupplyId

# The supplier's invoice number, as printed on the bill.
BillNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,29}$"
    ),
]
PaymentMethod = Literal["pagopa", "direct_debit"]
# How a customer can pay a bill online: by card, or through pagoPA (the notice, paid at the
# provider's pagoPA checkout).
OnlineMethod = Literal["card", "pagopa"]
# How a payment reached the supplier, as the back-office registers it.
PaymentChannel = Literal[
    "card", "pagopa", "direct_debit", "bank_transfer", "postal_slip", "counter", "other"
]
# Euro cents; a line or a bill may be negative (a credit).
Cents = Annotated[int, Field(ge=-100_000_000, le=100_000_000)]
# What the energy receipt (*scontrino dell'energia*) splits a bill into (TIF, July 2025 format).
LineSection = Literal[
    "consumption",  # quota energia / materia gas: quantity x price
    "fixed",  # quota fissa: per day or month
    "power",  # quota potenza: per kW (electricity)
    "taxes",  # excise (accise) and other duties
    "vat",
    "bonus",  # bonus sociale
    "adjustment",  # ricalcoli, conguagli, compensations
    "other",  # canone RAI, deposits...
]
Quantity = Annotated[
    Decimal, Field(ge=Decimal("-100000000"), le=Decimal("100000000"), decimal_places=6)
]
UnitPrice = Annotated[Decimal, Field(ge=Decimal("-100000"), le=Decimal("100000"), decimal_places=6)]
Unit = Literal["Smc", "kWh", "kW", "giorni", "mesi", "euro"]
ReadingKind = Literal["actual", "self", "estimated"]
Band = Literal["F1", "F2", "F3"]
# 13 digits: the position the billing engine gave the bill's pagoPA notice (its IUV base).
NoticePosition = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]


class BillLine(Contract):
    """One line of the energy receipt."""

    section: LineSection
    description: ShortText
    quantity: Quantity | None = None
    unit: Unit | None = None
    unit_price: UnitPrice | None = None  # euro per unit
    amount_cents: Cents
    # The consumption period the line bills, when it is not the bill's own (a catch-up of
    # earlier estimates bills months gone by): what the two-year limit is judged on.
    period_start: date | None = None
    period_end: date | None = None
    catch_up: bool = False  # a conguaglio of earlier estimated consumption


class ReadingUsed(Contract):
    read_on: date
    value: Annotated[int, Field(ge=0, le=10**12)]
    kind: ReadingKind
    band: Band | None = None


class ReadingWindow(Contract):
    """The days in which a self-reading counts for the next bill, as the bill prints them."""

    opens_on: date
    closes_on: date

    @model_validator(mode="after")
    def _ordered(self) -> "ReadingWindow":
        if self.closes_on < self.opens_on:
            raise ValueError("closes_on is before opens_on")
        return self


class ConsumptionBilled(Contract):
    quantity: Quantity
    unit: Literal["Smc", "kWh"]
    by_band: dict[Band, Quantity] = Field(default_factory=dict)


class BillIssued(EventPayload):
    """A bill, as the billing engine issued it; its lines add up to its total.

    A bill for a supply billing does not know yet is kept until the supply arrives.
    """

    ROUTING_KEY = "backoffice.bill.issued"
    VERSION = 1

    bill_number: BillNumber
    customer_code: CustomerCode
    supply_id: SupplyId
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    total_cents: Cents
    # Previous credits deducted from this bill's total (the plico's "net of previous credits").
    credit_applied_cents: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    lines: Annotated[tuple[BillLine, ...], Field(min_length=1, max_length=200)]
    consumption: ConsumptionBilled
    readings: Annotated[tuple[ReadingUsed, ...], Field(max_length=20)] = ()
    payment_method: PaymentMethod
    notice_position: NoticePosition | None = None  # pagoPA bills only
    # What the instalment rule (TIF) looks at besides the amount.
    after_billing_gap: bool = False
    after_meter_fault: bool = False
    # When the supplier next takes self-readings for this supply (TIF: printed on each bill).
    next_reading_window: ReadingWindow | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "BillIssued":
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.due_on < self.issued_on:
            raise ValueError("due_on is before issued_on")
        if sum(line.amount_cents for line in self.lines) != self.total_cents:
            raise ValueError("the lines do not add up to total_cents")
        if (self.payment_method == "pagopa") != (self.notice_position is not None):
            raise ValueError("notice_position is given for pagoPA bills, and only for them")
        return self


class BillCancelled(EventPayload):
    """The bill is void (issued in error): shown as cancelled, nothing to pay."""

    ROUTING_KEY = "backoffice.bill.cancelled"
    VERSION = 1

    bill_number: BillNumber
    customer_code: CustomerCode
    cancelled_on: date
    reason: ShortText


class BillCredited(EventPayload):
    """A credit note took `amount_cents` off the bill (all of it: the bill is credited)."""

    ROUTING_KEY = "backoffice.bill.credited"
    VERSION = 1

    bill_number: BillNumber
    customer_code: CustomerCode
    credit_note_number: BillNumber
    credited_on: date
    amount_cents: Annotated[int, Field(gt=0, le=100_000_000)]


# What the portal shows.

BillStatus = Literal[
    "unpaid",
    "overdue",
    "paid",
    "paid_pending",  # paid online, not registered by the back-office yet
    "partially_paid",
    "in_instalments",  # in an instalment plan the back-office approved
    "cancelled",
    "credited",
]
# What the portal shows for each, in Italian.
STATUS_LABELS: dict[str, str] = {
    "unpaid": "Da pagare",
    "overdue": "Scaduta",
    "paid": "Pagata",
    "paid_pending": "Pagata, in registrazione",
    "partially_paid": "Pagata in parte",
    "in_instalments": "In rateizzazione",
    "cancelled": "Annullata",
    "credited": "Stornata",
}


class BillSummaryPublic(Contract):
    bill_number: str
    customer_code: str
    supply_id: str
    commodity: Commodity
    point_id: str
    billing_profile: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    total_cents: int
    amount_due_cents: int  # what is left to pay: total, less credits applied and credit notes
    payment_method: PaymentMethod
    status: BillStatus
    status_label: str  # the status in Italian, as the portal shows it
    estimated: bool  # billed on an estimate (no actual or self-reading)


class BillGroup(Contract):
    billing_profile: str
    bills: tuple[BillSummaryPublic, ...]


class ListBillsRequest(Request):
    """The caller's bills of the last 24 months, grouped by billing profile, newest first; or,
    with `order` "newest", newest first across profiles (the home page's latest bills: each
    group then holds the consecutive bills of one profile)."""

    customer_code: CustomerCode | None = None
    supply_id: SupplyId | None = None
    status: BillStatus | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    order: Literal["by_profile", "newest"] = "by_profile"


class BillsPage(Contract):
    groups: tuple[BillGroup, ...]
    next_cursor: str | None = None


class PaymentNoticePublic(Contract):
    """The pagoPA notice (*avviso*) the bill carries, and the payload of its QR code."""

    notice_number: str  # 18 digits
    creditor_fiscal_code: str  # 11 digits
    amount_cents: int
    qr_payload: str


DifferenceCause = Literal["reading", "catch_up", "price", "days", "consumption", "other"]


class Difference(Contract):
    cause: DifferenceCause
    amount_cents: int
    explanation: str  # in words a customer understands (Italian)


class Comparison(Contract):
    """This bill against another of the same supply: how much it differs, and why."""

    against: Literal["previous", "last_year"]
    other_bill_number: str
    other_total_cents: int
    difference_cents: int
    causes: tuple[Difference, ...]
    summary: str


class InstalmentOffer(Contract):
    """The bill qualifies for instalments (TIF): why, and until when to ask."""

    reason: Literal["high_amount", "billing_gap", "meter_fault"]
    average_cents: int | None = None  # the 12-month average the amount was judged against
    ask_by: date
    minimum_instalments: int
    explanation: str


class TimeBarredPublic(Contract):
    """Consumption billed more than two years late: it may be refused (*prescrizione*)."""

    amount_cents: int
    lines: tuple[str, ...]
    explanation: str


class RegisteredPaymentPublic(Contract):
    """A payment the back-office registered for the bill."""

    registration_id: str
    amount_cents: int
    paid_on: date
    registered_on: date
    channel: PaymentChannel


InstalmentStatus = Literal["paid", "partially_paid", "unpaid", "overdue"]


class InstalmentPublic(Contract):
    number: int
    due_on: date
    amount_cents: int
    paid_cents: int  # what the payments registered cover of it, oldest instalment first
    status: InstalmentStatus


class InstalmentPlanPublic(Contract):
    plan_id: str
    approved_on: date
    interest_cents: int
    total_cents: int
    instalments: tuple[InstalmentPublic, ...]


class PayNowOffer(Contract):
    """The bill can be paid now ("paga ora"): how much, and how."""

    amount_cents: int  # what is left to pay (the next instalment's, in a plan)
    methods: tuple[OnlineMethod, ...]


class UnregisteredPayment(Contract):
    """An online payment the back-office has not registered after the expected days: the
    customer may complain about it from the bill."""

    payment_id: str
    amount_cents: int
    paid_at: AwareDatetime
    days_waiting: int
    explanation: str
    complaint_subject: str  # what a complaint about it is about (the request form's subject)


class BillDetailPublic(BillSummaryPublic):
    lines: tuple[BillLine, ...]
    consumption: ConsumptionBilled
    readings: tuple[ReadingUsed, ...]
    vat_cents: int
    excise_cents: int
    credit_applied_cents: int
    credited_cents: int
    offer_code: str
    offer_name: str
    notice: PaymentNoticePublic | None = None
    previous: Comparison | None = None
    last_year: Comparison | None = None
    instalments: InstalmentOffer | None = None
    time_barred: TimeBarredPublic | None = None
    cancelled_reason: str | None = None
    payments: tuple[RegisteredPaymentPublic, ...] = ()
    pay_now: PayNowOffer | None = None
    # The online payment in flight or paid and not registered yet, if any.
    online_payment_id: str | None = None
    instalment_plan: InstalmentPlanPublic | None = None
    unregistered_payment: UnregisteredPayment | None = None
    refund_due_cents: int = 0  # paid more than it asked (twice): refunded by the supplier
    updated_at: AwareDatetime


class GetBillRequest(Request):
    bill_number: BillNumber


class BillReply(Contract):
    bill: BillDetailPublic


DocumentKind = Literal["summary", "detail"]


class GetBillDocumentRequest(Request):
    """A bill's PDF: the summary (*sintetica*) or the detail (*dettaglio*)."""

    bill_number: BillNumber
    kind: DocumentKind


class GetPlicoRequest(Request):
    """The plico a bill belongs to: the customer's bills of its issue date and payment method."""

    bill_number: BillNumber


class PlicoReply(Contract):
    customer_code: str
    issued_on: date
    payment_method: PaymentMethod
    bills: tuple[BillSummaryPublic, ...]
    total_cents: int  # the bills' totals
    credits_cents: int  # previous credits and credit notes deducted
    total_due_cents: int  # what the plico asks to pay


class GetBalanceRequest(Request):
    """What the caller has to pay, over their bills (one customer code, if given)."""

    customer_code: CustomerCode | None = None


class BalanceReply(Contract):
    amount_due_cents: int
    overdue_cents: int
    unpaid_bills: int
    next_due_on: date | None = None


LIST_BILLS = Operation("billing.bills.list", ListBillsRequest, BillsPage)
GET_BILL = Operation("billing.bill.get", GetBillRequest, BillReply)
GET_BILL_DOCUMENT = Operation("billing.bill_document.get", GetBillDocumentRequest, Document)
GET_PLICO = Operation("billing.plico.get", GetPlicoRequest, PlicoReply)
GET_PLICO_DOCUMENT = Operation("billing.plico_document.get", GetPlicoRequest, Document)
GET_BALANCE = Operation("billing.balance.get", GetBalanceRequest, BalanceReply)
