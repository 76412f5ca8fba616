"""The bill's PDFs (summary, detail) and the plico's cover, read back with pypdf."""

import dataclasses
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfgen.canvas import Canvas

from sportello_billing.adapters.pdf import (
    BillDocumentData,
    PlicoDocumentData,
    SupplierInfo,
    render_detail,
    render_plico,
    render_summary,
)
from sportello_billing.adapters.pdf.layout import QrCode
from sportello_billing.domain.bills import Bill
from sportello_billing.domain.customers import Customer, pseudonymised
from sportello_billing.domain.ibans import mask_iban
from sportello_billing.domain.notices import notice_number, qr_payload
from sportello_billing.domain.profiles import (
    BillingProfile,
    DirectDebit,
    EmailBills,
    PagoPa,
    PostalBills,
)
from sportello_billing.domain.supplies import Supply
from sportello_contracts.bills import (
    BillLine,
    Comparison,
    ConsumptionBilled,
    Difference,
    PaymentNoticePublic,
    ReadingUsed,
)
from sportello_contracts.supplies import Distributor, Meter, PostalAddress

SUPPLIER = SupplierInfo(
    name="Energia Chiara S.p.A.",
    address="Corso Italia 10, 20122 Milano (MI)",
    vat_number="01234567890",
    complaint_address="Energia Chiara, Ufficio Reclami, Casella Postale 123, 20100 Milano",
    complaint_email="reclami@energiachiara.it",
    toll_free_number="800 123 456",
    website="www.energiachiara.it",
    creditor_fiscal_code="01234567890",
)
IBAN = "IT60X0542811101000000123456"
HOME = PostalAddress(
    street="Via Roma", number="12", post_code="20121", city="Milano", province="MI"
)
GIULIA = Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi")
NOON = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)


def supply(commodity: str = "gas") -> Supply:
    gas = commodity == "gas"
    return Supply(
        supply_id="SUP-GAS-1" if gas else "SUP-LUCE-1",
        customer_code=GIULIA.customer_code,
        commodity="gas" if gas else "electricity",
        point_id="00881234567890" if gas else "IT001E12345678",
        address=HOME,
        use="domestic",
        contracted_power_kw=None if gas else 3.0,
        offer_code="GAS-CASA-24" if gas else "LUCE-FIX-12",
        offer_name="Gas Casa Sicuro" if gas else "Luce Prezzo Fisso 12 mesi",
        meter=Meter(serial="GM-778812" if gas else "E2G-445566", smart=not gas),
        distributor=(
            Distributor(name="Unareti", emergency_number="800 198 198")
            if gas
            else Distributor(name="e-distribuzione", emergency_number="803 500")
        ),
        activated_on=date(2024, 3, 1),
        ceased_on=None,
        billing_profile="BP-000123",
        updated_at=NOON,
    )


def line(
    section: str,
    description: str,
    qty: str | None,
    unit: str | None,
    price: str | None,
    cents: int,
    **more: object,
) -> BillLine:
    return BillLine.model_validate(
        {
            "section": section,
            "description": description,
            "quantity": qty,
            "unit": unit,
            "unit_price": price,
            "amount_cents": cents,
            **more,
        }
    )


GAS_LINES = (
    line("consumption", "Materia gas naturale", "120", "Smc", "0.4523", 5428),
    line("consumption", "Trasporto e gestione del contatore", "120", "Smc", "0.061", 732),
    line("consumption", "Oneri di sistema", "120", "Smc", "0.035", 420),
    line("fixed", "Quota fissa vendita", "2", "mesi", "8.50", 1700),
    line("fixed", "Trasporto, quota fissa", "61", "giorni", "0.1021", 623),
    line("taxes", "Accisa sul gas naturale", "120", "Smc", "0.044", 528),
    line("taxes", "Addizionale regionale", "120", "Smc", "0.0258", 310),
    line("vat", "IVA 22%", "97.41", "euro", "0.22", 2143),
)
LUCE_LINES = (
    line("consumption", "Energia fascia F1", "210", "kWh", "0.1385", 2909),
    line("consumption", "Energia fascia F2", "150", "kWh", "0.1290", 1935),
    line("consumption", "Energia fascia F3", "180", "kWh", "0.1170", 2106),
    line("fixed", "Quota fissa", "2", "mesi", "7.25", 1450),
    line("power", "Quota potenza", "3", "kW", "3.95", 1185),
    line("taxes", "Accisa sull'energia elettrica", "540", "kWh", "0.0227", 1226),
    line("vat", "IVA 10%", "108.11", "euro", "0.10", 1081),
    line("bonus", "Bonus sociale elettrico", None, None, None, -1500),
    line(
        "adjustment",
        "Ricalcolo consumi stimati di ottobre & novembre <2025>",
        "-20",
        "kWh",
        "0.1385",
        -277,
        period_start="2025-10-01",
        period_end="2025-11-30",
        catch_up=True,
    ),
    line("other", "Canone RAI", "2", "mesi", "7.50", 1500),
)


def bill(commodity: str = "gas", method: str = "direct_debit", **changes: object) -> Bill:
    gas = commodity == "gas"
    lines = GAS_LINES if gas else LUCE_LINES
    made = Bill(
        bill_number="2026-G-000123" if gas else "2026-E-000456",
        customer_code=GIULIA.customer_code,
        supply_id="SUP-GAS-1" if gas else "SUP-LUCE-1",
        billing_profile="BP-000123",
        period_start=date(2025, 11, 1),
        period_end=date(2025, 12, 31),
        issued_on=date(2026, 1, 10),
        due_on=date(2026, 1, 31),
        total_cents=sum(item.amount_cents for item in lines),
        credit_applied_cents=0,
        lines=lines,
        consumption=ConsumptionBilled.model_validate(
            {"quantity": "120", "unit": "Smc"}
            if gas
            else {
                "quantity": "540",
                "unit": "kWh",
                "by_band": {"F1": "210", "F2": "150", "F3": "180"},
            }
        ),
        readings=(
            (ReadingUsed(read_on=date(2025, 12, 31), value=4512, kind="self"),)
            if gas
            else (
                ReadingUsed(read_on=date(2025, 12, 31), value=10210, kind="actual", band="F1"),
                ReadingUsed(read_on=date(2025, 12, 31), value=7150, kind="actual", band="F2"),
                ReadingUsed(read_on=date(2025, 10, 31), value=8020, kind="estimated", band="F3"),
            )
        ),
        payment_method="pagopa" if method == "pagopa" else "direct_debit",
        notice_position="0000000012345" if method == "pagopa" else None,
        after_billing_gap=False,
        after_meter_fault=False,
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def profile(method: str = "direct_debit", *, email: bool = False) -> BillingProfile:
    payment = (
        PagoPa()
        if method == "pagopa"
        else DirectDebit(
            holder_name="Giulia Bianchi",
            holder_fiscal_code="BNCGLI85M52F205H",
            iban_masked=mask_iban(IBAN),
            iban_key="k-1",
            mandate_reference="MND-2024-0001",
        )
    )
    delivery = (
        EmailBills("giulia@example.it")
        if email
        else PostalBills(HOME.model_copy(update={"recipient": "c/o Studio Bianchi"}))
    )
    return BillingProfile("BP-000123", GIULIA.customer_code, delivery, payment, "active", NOON)


def notice_for(made: Bill) -> PaymentNoticePublic:
    assert made.notice_position is not None
    number = notice_number("02", made.notice_position)
    creditor = SUPPLIER.creditor_fiscal_code
    return PaymentNoticePublic(
        notice_number=number,
        creditor_fiscal_code=creditor,
        amount_cents=made.total_cents,
        qr_payload=qr_payload(number, creditor, made.total_cents),
    )


def document(
    commodity: str = "gas",
    method: str = "direct_debit",
    *,
    customer: Customer = GIULIA,
    comparison: Comparison | None = None,
    email: bool = False,
    **bill_changes: object,
) -> BillDocumentData:
    made = bill(commodity, method, **bill_changes)
    return BillDocumentData(
        bill=made,
        supply=supply(commodity),
        customer=customer,
        profile=profile(method, email=email),
        notice=notice_for(made) if method == "pagopa" else None,
        comparison=comparison,
        bill_url=f"https://area.energiachiara.it/bollette/{made.bill_number}",
        status="unpaid",
        today=TODAY,
    )


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(page: str) -> str:
    """A page's text with its line breaks as spaces, so phrases split across lines match."""
    return " ".join(page.split())


@pytest.mark.parametrize("render", [render_summary, render_detail])
def test_the_first_page_carries_what_the_2025_format_puts_there(
    render: Callable[[BillDocumentData, SupplierInfo], bytes],
) -> None:
    data = document("gas")
    pdf = render(data, SUPPLIER)

    first = flat(pages(pdf)[0])
    assert pdf.startswith(b"%PDF")
    for expected in (
        "Giulia Bianchi",
        "Codice cliente: C00010002",
        "PDR 00881234567890",
        "Via Roma 12",
        "c/o Studio Bianchi",  # the billing address, from the profile's delivery
        "Gas Casa Sicuro",
        "Codice offerta: GAS-CASA-24",
        "Totale da pagare",
        "118,84 €",
        "Scadenza",
        "31/01/2026",
        "Pronto intervento Unareti: 800 198 198",
        "reclami@energiachiara.it",
        "800 123 456",
        "Casella Postale 123",
        "Scontrino dell'energia",
        "Quota consumi (materia gas)",
        "Quota fissa",
        "Imposte (accise)",
        "120 Smc",
        "0,4523 €/Smc",
        "54,28 €",
        data.bill_url,
    ):
        assert expected in first, expected


def test_a_direct_debit_bill_shows_the_iban_masked_and_never_whole() -> None:
    for render in (render_summary, render_detail):
        text = flat(" ".join(pages(render(document("gas", "direct_debit"), SUPPLIER))))
        assert "Pagamento con addebito diretto su conto IT** **** **** **** **** ***3 456" in text
        assert IBAN not in text.replace(" ", "")
        assert "0542811101" not in text.replace(" ", "")
        assert "pagoPA" not in text  # no notice to pay with


def test_a_pagopa_bill_carries_the_notice_with_its_number_creditor_and_amount() -> None:
    data = document("electricity", "pagopa")
    assert data.notice is not None
    text = pages(render_summary(data, SUPPLIER))

    assert "Paga con l'avviso pagoPA allegato" in flat(text[0])
    notice_page = flat(text[-1])
    assert "Avviso di pagamento pagoPA" in notice_page
    assert data.notice.notice_number in notice_page
    assert re.fullmatch(r"302[0-9]{15}", data.notice.notice_number)
    assert "Codice fiscale ente creditore 01234567890" in notice_page
    assert "Importo 116,15 €" in notice_page
    assert "Scadenza 31/01/2026" in notice_page


def test_an_electricity_bill_shows_the_pod_the_power_part_and_the_distributor() -> None:
    first = flat(pages(render_summary(document("electricity"), SUPPLIER))[0])

    assert "POD IT001E12345678" in first
    assert "Potenza impegnata: 3 kW" in first
    assert "Quota potenza" in first
    assert "Bonus sociale" in first
    assert "-15,00 €" in first
    assert "Pronto intervento e-distribuzione: 803 500" in first
    assert "Codice offerta: LUCE-FIX-12" in first


def test_the_detail_lists_every_line_the_bands_the_readings_and_the_comparison() -> None:
    comparison = Comparison(
        against="previous",
        other_bill_number="2025-E-000321",
        other_total_cents=9820,
        difference_cents=6595,
        causes=(
            Difference(
                cause="reading",
                amount_cents=4100,
                explanation="La bolletta precedente era su consumi stimati, questa su letture.",
            ),
            Difference(cause="days", amount_cents=2495, explanation="Sono fatturati 61 giorni."),
        ),
        summary="Questa bolletta è di 65,95 € più alta della precedente.",
    )
    text = flat(
        " ".join(pages(render_detail(document("electricity", comparison=comparison), SUPPLIER)))
    )

    assert "Voci della bolletta" in text
    assert "01/11/2025 - 31/12/2025" in text
    # A catch-up line bills its own period, and markup in a description is printed as text.
    assert "Ricalcolo consumi stimati di ottobre & novembre <2025> (conguaglio)" in text
    assert "01/10/2025 - 30/11/2025" in text
    assert "0,1385 €/kWh" in text
    assert "di cui IVA 10,81 €" in text
    assert "Totale: 540 kWh in 61 giorni" in text
    assert "F1 210 kWh" in text
    assert "F3 180 kWh" in text
    assert "31/12/2025 10.210 effettiva F1" in text
    assert "31/10/2025 8.020 stimata F3" in text
    assert "Confronto con la bolletta precedente" in text
    assert "Questa bolletta è di 65,95 € più alta della precedente." in text
    assert "Lettura 41,00 €" in text


def test_a_self_reading_is_named_so_in_the_detail() -> None:
    text = flat(" ".join(pages(render_detail(document("gas"), SUPPLIER))))
    assert "31/12/2025 4.512 autolettura" in text


def test_an_estimated_bill_says_so_and_the_detail_has_no_readings() -> None:
    data = document("gas", readings=())
    first = flat(pages(render_summary(data, SUPPLIER))[0])
    detail = flat(" ".join(pages(render_detail(data, SUPPLIER))))
    assert "Bolletta emessa su consumi stimati" in first
    assert "i consumi di questa bolletta sono stimati" in detail


def test_a_pseudonymised_customer_is_shown_by_customer_code_alone() -> None:
    data = document("gas", customer=pseudonymised("C00010002"))
    first = flat(pages(render_summary(data, SUPPLIER))[0])
    assert "Codice cliente: C00010002" in first
    assert "Giulia" not in first
    assert "BNCGLI85M52F205H" not in first.replace("Codice fiscale", "")


def test_an_e_bill_names_the_address_it_goes_to() -> None:
    first = flat(pages(render_summary(document("gas", email=True), SUPPLIER))[0])
    assert "Bolletta digitale inviata a giulia@example.it" in first
    assert "c/o Studio Bianchi" not in first


def test_previous_credits_are_deducted_from_the_total_to_pay() -> None:
    first = flat(pages(render_summary(document("gas", credit_applied_cents=1784), SUPPLIER))[0])
    assert "Crediti precedenti detratti -17,84 €" in first
    assert "Totale da pagare 101,00 €" in first


def test_a_bill_of_200_lines_runs_onto_several_pages_its_header_repeated() -> None:
    many = tuple(
        line("consumption", f"Prelievo giornaliero {n + 1}", "1.5", "Smc", "0.45", 68)
        for n in range(200)
    )
    data = document("gas", lines=many, total_cents=200 * 68)
    summary = pages(render_summary(data, SUPPLIER))
    detail = pages(render_detail(data, SUPPLIER))

    assert len(summary) == 1  # the receipt sums what the first page has no room for
    assert "altre 197 voci" in flat(summary[0])
    assert len(detail) >= 4
    body = detail[1:]
    assert all("Bolletta n. 2026-G-000123" in page for page in detail)
    assert all("Prezzo unitario" in page for page in body)  # the lines' header, on every page
    everything = flat(" ".join(detail))
    assert all(f"Prelievo giornaliero {n} " in everything for n in range(1, 201))
    assert "Totale da pagare 136,00 €" in everything


def test_a_bill_with_lines_in_every_part_keeps_its_first_page_one_page() -> None:
    parts = ("consumption", "fixed", "power", "taxes", "vat", "bonus", "adjustment", "other")
    full = tuple(
        line(part, f"Voce {part} {n}", "2", "mesi", "1.25", 250) for part in parts for n in range(4)
    )
    data = document("electricity", lines=full, total_cents=len(full) * 250)
    summary = pages(render_summary(data, SUPPLIER))

    assert len(summary) == 1
    first = flat(summary[0])
    assert first.count("(4 voci) 10,00 €") == len(parts)  # each part by its total alone
    assert "Codice offerta: LUCE-FIX-12" in first
    assert "Totale da pagare 80,00 €" in first


def test_the_qr_code_is_drawn_module_for_module_as_vector_squares() -> None:
    payload = "PAGOPA|002|302000000001234559|01234567890|11615"
    qr = QrCode(payload, 100.0)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    qr.drawOn(canvas, 0, 0)
    canvas.showPage()
    canvas.save()

    page = PdfReader(buffer).pages[0]
    matrix = segno.make_qr(payload, error="m").matrix
    module = 100.0 / (len(matrix) + 2 * QrCode.QUIET_ZONE)
    drawn = [[0] * len(matrix) for _ in matrix]
    operations = ContentStream(page.get_contents(), page.pdf).operations
    for operands, operator in operations:
        if operator == b"re":
            x, y, width, _ = (float(v) for v in operands)
            row = len(matrix) - 1 - round(y / module - QrCode.QUIET_ZONE)
            first = round(x / module - QrCode.QUIET_ZONE)
            for column in range(first, first + round(width / module)):
                drawn[row][column] = 1
    assert drawn == [list(row) for row in matrix]
    assert not any(operator == b"Do" for _, operator in operations)  # no image


def test_the_same_bill_gives_the_same_bytes() -> None:
    for render, data in (
        (render_summary, document("gas")),
        (render_detail, document("electricity", "pagopa")),
    ):
        assert render(data, SUPPLIER) == render(data, SUPPLIER)
    assert render_summary(document("gas"), SUPPLIER) != render_summary(
        document("gas", due_on=date(2026, 2, 1)), SUPPLIER
    )


def plico() -> PlicoDocumentData:
    gas, luce = bill("gas", "pagopa"), bill("electricity", "pagopa")
    total = gas.total_cents + luce.total_cents
    return PlicoDocumentData(
        customer=GIULIA,
        issued_on=date(2026, 1, 10),
        payment_method="pagopa",
        bills=((gas, supply("gas")), (luce, supply("electricity"))),
        total_cents=total,
        credits_cents=2500,
        total_due_cents=total - 2500,
        today=TODAY,
    )


def test_the_plico_lists_its_bills_and_the_total_due_net_of_credits() -> None:
    data = plico()
    pdf = render_plico(data, SUPPLIER)
    text = flat(" ".join(pages(pdf)))

    assert pdf.startswith(b"%PDF")
    assert render_plico(data, SUPPLIER) == pdf
    assert "Plico di bollette" in text
    assert "Giulia Bianchi" in text
    assert "Codice cliente: C00010002" in text
    assert "Data di emissione: 10/01/2026" in text
    assert "avviso di pagamento pagoPA" in text
    assert (
        "2026-G-000123 PDR 00881234567890 dal 01/11/2025 al 31/12/2025 31/01/2026 118,84 €" in text
    )
    assert "2026-E-000456 POD IT001E12345678" in text
    assert "Totale bollette 234,99 €" in text
    assert "Crediti precedenti detratti -25,00 €" in text
    assert "Totale da pagare 209,99 €" in text


def test_a_direct_debit_plico_shows_the_account_masked() -> None:
    data = dataclasses.replace(plico(), payment_method="direct_debit", iban_masked=mask_iban(IBAN))
    text = flat(" ".join(pages(render_plico(data, SUPPLIER))))
    assert (
        "addebito diretto su conto corrente (SDD), conto IT** **** **** **** **** ***3 456" in text
    )
    assert IBAN not in text.replace(" ", "")
