"""What a bill's PDFs and a plico's cover are made from."""

from dataclasses import dataclass
from datetime import date

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.customers import Customer
from sportello_billing.domain.profiles import BillingProfile
from sportello_billing.domain.supplies import Supply
from sportello_contracts.bills import BillStatus, Comparison, PaymentMethod, PaymentNoticePublic


@dataclass(frozen=True)
class SupplierInfo:
    """The supplier as its bills name it, and where customers complain (TIQV)."""

    name: str
    address: str  # registered office, one line
    vat_number: str
    complaint_address: str  # postal, one line
    complaint_email: str
    toll_free_number: str
    website: str
    creditor_fiscal_code: str  # 11 digits: the pagoPA creditor (*ente creditore*)


@dataclass(frozen=True)
class BillDocumentData:
    """One bill and everything its summary and detail PDFs print."""

    bill: Bill
    supply: Supply
    customer: Customer
    profile: BillingProfile  # a direct debit's IBAN is printed as the profile keeps it: masked
    notice: PaymentNoticePublic | None
    comparison: Comparison | None
    bill_url: str  # the bill's page in the portal: the QR code and the personal link
    status: BillStatus
    today: date


@dataclass(frozen=True)
class PlicoDocumentData:
    """A plico: the bills of one customer with the same issue date and payment method."""

    customer: Customer
    issued_on: date
    payment_method: PaymentMethod
    bills: tuple[tuple[Bill, Supply], ...]
    total_cents: int  # the bills' totals
    credits_cents: int  # previous credits and credit notes deducted
    total_due_cents: int  # what the plico asks to pay
    today: date
    iban_masked: str | None = None  # direct debit: the account, masked
