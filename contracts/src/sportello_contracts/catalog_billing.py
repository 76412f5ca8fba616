"""Billing's messages (and the recipients directory's), each with an example: `catalog` adds them
to the list the tests read."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sportello_contracts.base import Contract
from sportello_contracts.billing_profiles import (
    CHANGE_BILLING,
    GET_BILLING_PROFILE,
    LIST_BILLING_PROFILES,
    BillingChangedReply,
    BillingProfilePublic,
    BillingProfileReply,
    BillingProfilesChanged,
    BillingProfilesReply,
    ChangeBillingRequest,
    ChangeTarget,
    DeliveryPublic,
    DirectDebitChange,
    DirectDebitRequested,
    GetBillingProfileRequest,
    ListBillingProfilesRequest,
    PaymentPublic,
    SupplyMove,
)
from sportello_contracts.bills import (
    GET_BALANCE,
    GET_BILL,
    GET_BILL_DOCUMENT,
    GET_PLICO,
    GET_PLICO_DOCUMENT,
    LIST_BILLS,
    BalanceReply,
    BillCancelled,
    BillCredited,
    BillDetailPublic,
    BillGroup,
    BillIssued,
    BillLine,
    BillReply,
    BillsPage,
    BillSummaryPublic,
    Comparison,
    ConsumptionBilled,
    Difference,
    GetBalanceRequest,
    GetBillDocumentRequest,
    GetBillRequest,
    GetPlicoRequest,
    InstalmentOffer,
    ListBillsRequest,
    PaymentNoticePublic,
    PlicoReply,
    ReadingUsed,
)
from sportello_contracts.envelope import EventPayload
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.rpc import Caller, Document, Operation
from sportello_contracts.supplies import (
    GET_SUPPLY,
    LIST_SUPPLIES,
    DirectDebitPayment,
    Distributor,
    EmailDelivery,
    GetSupplyRequest,
    ListSuppliesRequest,
    Meter,
    PagoPaPayment,
    PostalAddress,
    PostalDelivery,
    SuppliesReply,
    SupplyActivated,
    SupplyCeased,
    SupplyPublic,
    SupplyReply,
    SupplyUpdated,
)

_CALLER = Caller(user_id="acc-7f3a", role="customer", customer_codes=("C00012345",))
_WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
_HOME = PostalAddress(street="Via Roma", number="12", post_code="00184", city="Roma", province="RM")
_ITALGAS = Distributor(name="Italgas Reti", emergency_number="800 900 999")
_SUPPLY = SupplyPublic(
    supply_id="S-000123",
    customer_code="C00012345",
    commodity="gas",
    point_id="00880000123456",
    address=_HOME,
    use="domestic",
    offer_code="GAS-CASA-24",
    offer_name="Gas Casa Sicuro",
    meter=Meter(serial="GM-778812"),
    distributor=_ITALGAS,
    status="active",
    activated_on=date(2023, 4, 1),
    billing_profile="BP-000123",
    updated_at=_WHEN,
)
_LINES = (
    BillLine(
        section="consumption",
        description="Materia gas naturale",
        quantity=Decimal("180"),
        unit="Smc",
        unit_price=Decimal("0.65"),
        amount_cents=11700,
    ),
    BillLine(section="fixed", description="Quota fissa", amount_cents=2400),
    BillLine(section="taxes", description="Accise", amount_cents=3000),
    BillLine(section="vat", description="IVA 10%", amount_cents=1710),
)
_SUMMARY = BillSummaryPublic(
    bill_number="2026-000451",
    customer_code="C00012345",
    supply_id="S-000123",
    commodity="gas",
    point_id="00880000123456",
    billing_profile="BP-000123",
    period_start=date(2026, 9, 1),
    period_end=date(2026, 10, 31),
    issued_on=date(2026, 11, 10),
    due_on=date(2026, 11, 30),
    total_cents=18810,
    amount_due_cents=18810,
    payment_method="pagopa",
    status="unpaid",
    status_label="Da pagare",
    estimated=False,
)
_DELIVERY = DeliveryPublic(channel="email", email="mario.rossi@example.it")
_PAYMENT = PaymentPublic(
    method="direct_debit",
    holder_name="Mario Rossi",
    holder_fiscal_code="RSSMRA80A01H501U",
    iban_masked="IT** **** **** **** **** ***3 456",
    mandate_reference="MND-4F2A9C01B7D3",
)
_MOVE = SupplyMove(
    supply_id="S-000123",
    customer_code="C00012345",
    from_profile="BP-000123",
    to_profile="BP-000124",
    new_profile=True,
)
_PDF = Document(
    media_type="application/pdf",
    filename="bolletta-2026-000451-sintetica.pdf",
    sha256="9b1c" * 16,
)  # its bytes are the reply message's body

EVENT_EXAMPLES: tuple[EventPayload, ...] = (
    AccountContactSet(
        account_id="acc-7f3a", email="mario.rossi@example.it", full_name="Mario Rossi", at=_WHEN
    ),
    SupplyActivated(
        supply_id="S-000123",
        customer_code="C00012345",
        commodity="gas",
        point_id="00880000123456",
        address=_HOME,
        offer_code="GAS-CASA-24",
        offer_name="Gas Casa Sicuro",
        meter=Meter(serial="GM-778812"),
        distributor=_ITALGAS,
        activated_on=date(2023, 4, 1),
        delivery=PostalDelivery(address=_HOME),
        payment=PagoPaPayment(),
    ),
    SupplyActivated(
        supply_id="S-000124",
        customer_code="C00012345",
        commodity="electricity",
        point_id="IT001E12345678",
        address=_HOME,
        contracted_power_kw=3.0,
        offer_code="LUCE-FISSA-24",
        offer_name="Luce Prezzo Fisso",
        meter=Meter(serial="E2G-99812", smart=True),
        distributor=Distributor(name="E-Distribuzione", emergency_number="803 500"),
        activated_on=date(2024, 1, 1),
        delivery=EmailDelivery(email="mario.rossi@example.it"),
        payment=DirectDebitPayment(
            holder_name="Mario Rossi",
            holder_fiscal_code="RSSMRA80A01H501U",
            iban="IT60X0542811101000000123456",
        ),
    ),
    SupplyUpdated(supply_id="S-000124", customer_code="C00012345", contracted_power_kw=4.5),
    SupplyCeased(supply_id="S-000123", customer_code="C00012345", ceased_on=date(2026, 10, 31)),
    BillIssued(
        bill_number="2026-000451",
        customer_code="C00012345",
        supply_id="S-000123",
        period_start=date(2026, 9, 1),
        period_end=date(2026, 10, 31),
        issued_on=date(2026, 11, 10),
        due_on=date(2026, 11, 30),
        total_cents=18810,
        lines=_LINES,
        consumption=ConsumptionBilled(quantity=Decimal("180"), unit="Smc"),
        readings=(ReadingUsed(read_on=date(2026, 10, 31), value=4210, kind="actual"),),
        payment_method="pagopa",
        notice_position="0000000451026",
    ),
    BillCancelled(
        bill_number="2026-000451",
        customer_code="C00012345",
        cancelled_on=date(2026, 11, 12),
        reason="Emessa per errore",
    ),
    BillCredited(
        bill_number="2026-000451",
        customer_code="C00012345",
        credit_note_number="NC-2026-000017",
        credited_on=date(2026, 11, 20),
        amount_cents=2500,
    ),
    BillingProfilesChanged(
        change_id="c9f1",
        account_id="acc-7f3a",
        actor_role="customer",
        client_address="203.0.113.7",
        kind="direct_debit",
        customer_codes=("C00012345",),
        moves=(_MOVE,),
        opened_profiles=("BP-000124",),
        closed_profiles=("BP-000123",),
        delivery=_DELIVERY,
        payment=_PAYMENT,
        at=_WHEN,
    ),
    DirectDebitRequested(
        change_id="c9f1",
        mandate_reference="MND-4F2A9C01B7D3",
        customer_codes=("C00012345",),
        supply_ids=("S-000123",),
        billing_profiles=("BP-000124",),
        holder_name="Mario Rossi",
        holder_fiscal_code="RSSMRA80A01H501U",
        iban="IT60X0542811101000000123456",
        requested_on=date(2026, 11, 2),
    ),
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    LIST_SUPPLIES,
    GET_SUPPLY,
    LIST_BILLING_PROFILES,
    GET_BILLING_PROFILE,
    CHANGE_BILLING,
    LIST_BILLS,
    GET_BILL,
    GET_BILL_DOCUMENT,
    GET_PLICO,
    GET_PLICO_DOCUMENT,
    GET_BALANCE,
)

RPC_EXAMPLES: tuple[Contract, ...] = (
    ListSuppliesRequest(caller=_CALLER, status="active"),
    SuppliesReply(supplies=(_SUPPLY,)),
    GetSupplyRequest(caller=_CALLER, supply_id="S-000123"),
    SupplyReply(supply=_SUPPLY),
    ListBillingProfilesRequest(caller=_CALLER),
    BillingProfilesReply(
        profiles=(
            BillingProfilePublic(
                number="BP-000124",
                customer_code="C00012345",
                status="active",
                delivery=_DELIVERY,
                payment=_PAYMENT,
                opened_at=_WHEN,
                active_supplies=(_SUPPLY,),
                ceased_supplies=(),
                former_supplies=("S-000099",),
            ),
        )
    ),
    GetBillingProfileRequest(caller=_CALLER, number="BP-000124"),
    BillingProfileReply(
        profile=BillingProfilePublic(
            number="BP-000124",
            customer_code="C00012345",
            status="active",
            delivery=_DELIVERY,
            payment=PaymentPublic(method="pagopa"),
            opened_at=_WHEN,
            active_supplies=(_SUPPLY,),
            ceased_supplies=(),
        )
    ),
    ChangeBillingRequest(
        caller=_CALLER,
        target=ChangeTarget(supply_ids=("S-000123",)),
        change=DirectDebitChange(
            holder_name="Mario Rossi",
            holder_fiscal_code="RSSMRA80A01H501U",
            iban="IT60 X054 2811 1010 0000 0123 456",
        ),
    ),
    BillingChangedReply(
        change_id="c9f1",
        kind="direct_debit",
        moves=(_MOVE,),
        opened_profiles=("BP-000124",),
        closed_profiles=("BP-000123",),
        mandate_reference="MND-4F2A9C01B7D3",
    ),
    ListBillsRequest(caller=_CALLER, status="unpaid", year=2026, limit=20),
    BillsPage(
        groups=(BillGroup(billing_profile="BP-000123", bills=(_SUMMARY,)),),
        next_cursor="WyJCUC0wMDAxMjMiXQ",
    ),
    GetBillRequest(caller=_CALLER, bill_number="2026-000451"),
    BillReply(
        bill=BillDetailPublic(
            **_SUMMARY.model_dump(),
            lines=_LINES,
            consumption=ConsumptionBilled(quantity=Decimal("180"), unit="Smc"),
            readings=(ReadingUsed(read_on=date(2026, 10, 31), value=4210, kind="actual"),),
            vat_cents=1710,
            excise_cents=3000,
            credit_applied_cents=0,
            credited_cents=0,
            offer_code="GAS-CASA-24",
            offer_name="Gas Casa Sicuro",
            notice=PaymentNoticePublic(
                notice_number="301000000004510266",
                creditor_fiscal_code="01234567890",
                amount_cents=18810,
                qr_payload="PAGOPA|002|301000000004510266|01234567890|18810",
            ),
            previous=Comparison(
                against="previous",
                other_bill_number="2026-000302",
                other_total_cents=9120,
                difference_cents=9690,
                causes=(
                    Difference(
                        cause="consumption",
                        amount_cents=9690,
                        explanation="Hai consumato 120 Smc in più (+96,90 €).",
                    ),
                ),
                summary="Questa bolletta è di 96,90 € più alta della precedente.",
            ),
            instalments=InstalmentOffer(
                reason="high_amount",
                average_cents=9800,
                ask_by=date(2026, 12, 10),
                minimum_instalments=2,
                explanation="Puoi chiedere la rateizzazione entro il 10/12/2026.",
            ),
            updated_at=_WHEN,
        )
    ),
    GetBillDocumentRequest(caller=_CALLER, bill_number="2026-000451", kind="summary"),
    _PDF,
    GetPlicoRequest(caller=_CALLER, bill_number="2026-000451"),
    PlicoReply(
        customer_code="C00012345",
        issued_on=date(2026, 11, 10),
        payment_method="pagopa",
        bills=(_SUMMARY,),
        total_cents=18810,
        credits_cents=0,
        total_due_cents=18810,
    ),
    GetBalanceRequest(caller=_CALLER),
    BalanceReply(
        amount_due_cents=18810, overdue_cents=0, unpaid_bills=1, next_due_on=date(2026, 11, 30)
    ),
)
