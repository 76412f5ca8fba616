"""A bill's PDFs and its plico's, rendered on first download and stored once.

Each is stored under a key made of what it shows that can change (the bill's status and amount
due, its last update, the profile's payment, the customer's name), so a bill paid or credited
gets a new PDF while unchanged bills are never rendered twice. Rendering is CPU work: it runs
in a thread, so the service keeps answering meanwhile.
"""

import asyncio
import hashlib
import json
from collections.abc import Callable

from sportello_billing.adapters.pdf import (
    BillDocumentData,
    PlicoDocumentData,
    render_detail,
    render_plico,
    render_summary,
)
from sportello_billing.domain.customers import Customer
from sportello_billing.domain.profiles import BillingProfile, DirectDebit
from sportello_billing.usecases import refusals
from sportello_billing.usecases.ports import Needs
from sportello_billing.usecases.views import bill_detail, notice_of, owned_bill, plico_of
from sportello_contracts.bills import GetBillDocumentRequest, GetPlicoRequest
from sportello_contracts.rpc import Document

PDF = "application/pdf"
# Bumped when the layout changes, so stored PDFs are rendered again in the new one.
LAYOUT_VERSION = 1


def _key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(json.dumps([LAYOUT_VERSION, *parts], default=str).encode())
    return f"{kind}:{digest.hexdigest()[:32]}"


async def _customer(needs: Needs, code: str) -> Customer:
    customer = await needs.store.customers().get(code)
    return customer or Customer(customer_code=code, fiscal_code=None, full_name=None)


async def _profile(needs: Needs, number: str) -> BillingProfile:
    profile = await needs.store.profiles().get(number)
    if profile is None:  # a bill is kept only with the profile its supply was in
        raise refusals.profile_not_found()
    return profile


async def bill_document(needs: Needs, request: GetBillDocumentRequest) -> Document:
    assert request.caller is not None
    bill, supply = await owned_bill(needs, request.caller, request.bill_number)
    detail = await bill_detail(needs, bill, supply)
    customer = await _customer(needs, bill.customer_code)
    profile = await _profile(needs, bill.billing_profile)
    key = _key(
        f"bill:{bill.bill_number}:{request.kind}",
        detail.status,
        detail.amount_due_cents,
        bill.updated_at,
        profile.payment,
        customer.full_name,
    )
    documents = needs.store.documents()
    stored = await documents.get(key)
    if stored is not None:
        return stored
    data = BillDocumentData(
        bill=bill,
        supply=supply,
        customer=customer,
        profile=profile,
        notice=notice_of(needs, bill),
        comparison=detail.previous,
        bill_url=f"{needs.rules.portal_url}/bollette/{bill.bill_number}",
        status=detail.status,
        today=needs.clock.today(),
    )
    render: Callable[..., bytes] = render_summary if request.kind == "summary" else render_detail
    content = await asyncio.to_thread(render, data, needs.supplier)
    name = "sintetica" if request.kind == "summary" else "dettaglio"
    return await documents.keep(key, PDF, f"bolletta-{bill.bill_number}-{name}.pdf", content)


async def plico_document(needs: Needs, request: GetPlicoRequest) -> Document:
    assert request.caller is not None
    plico, supplies = await plico_of(needs, request.caller, request.bill_number)
    customer = await _customer(needs, plico.customer_code)
    first = plico.bills[0] if plico.bills else None
    profile = await _profile(needs, first.billing_profile) if first is not None else None
    iban = (
        profile.payment.iban_masked
        if profile is not None and isinstance(profile.payment, DirectDebit)
        else None
    )
    key = _key(
        f"plico:{plico.customer_code}:{plico.issued_on}:{plico.payment_method}",
        [(b.bill_number, b.updated_at, b.amount_due_cents) for b in plico.bills],
        plico.total_due_cents,
        customer.full_name,
        iban,
    )
    documents = needs.store.documents()
    stored = await documents.get(key)
    if stored is not None:
        return stored
    data = PlicoDocumentData(
        customer=customer,
        issued_on=plico.issued_on,
        payment_method=plico.payment_method,
        bills=tuple((b, supplies[b.supply_id]) for b in plico.bills),
        total_cents=plico.total_cents,
        credits_cents=plico.credits_cents,
        total_due_cents=plico.total_due_cents,
        today=needs.clock.today(),
        iban_masked=iban,
    )
    content = await asyncio.to_thread(render_plico, data, needs.supplier)
    name = f"plico-{plico.customer_code}-{plico.issued_on.isoformat()}-{plico.payment_method}.pdf"
    return await documents.keep(key, PDF, name, content)
