"""The bill's summary (*bolletta sintetica*): the 2025 format's fixed first page, its energy
receipt, offer box and QR code, and for pagoPA bills the payment notice."""

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from sportello_billing.adapters.pdf.data import BillDocumentData, SupplierInfo
from sportello_billing.adapters.pdf.italian import (
    COMMODITY,
    POINT,
    READING_KIND,
    SECTIONS,
    STATUS,
    address_lines,
    day,
    decimal,
    money,
    period,
    quantity,
    section,
    unit_price,
)
from sportello_billing.adapters.pdf.layout import (
    BIG,
    CELL_INDENTED,
    SMALL,
    TITLE,
    WIDTH,
    Grid,
    Masthead,
    QrCode,
    box,
    heading,
    lines,
    render,
    side_by_side,
    text,
)
from sportello_billing.adapters.pdf.notice import notice_pages
from sportello_billing.domain.profiles import DirectDebit, EmailBills, PostalBills
from sportello_contracts.bills import BillLine

# The summary's receipt lists up to 3 lines of a part and sums the rest in one row; 1 line, or
# none (the part's total alone), when more would take more than RECEIPT_ROWS rows. So the first
# page stays one page whatever the bill's length (the detail lists every line).
RECEIPT_LINES_PER_PART = (3, 1, 0)
RECEIPT_ROWS = 20
HALF = (WIDTH - 8) / 2


def render_summary(data: BillDocumentData, supplier: SupplierInfo) -> bytes:
    """The bill's summary PDF: the first page, then the pagoPA notice if the bill has one."""
    story = [*first_page(data, "Bolletta sintetica"), *notice_pages(data, supplier)]
    return render(story, masthead(data, supplier), f"Bolletta n. {data.bill.bill_number}")


def masthead(data: BillDocumentData, supplier: SupplierInfo) -> Masthead:
    return Masthead(
        supplier=supplier,
        document=f"Bolletta n. {data.bill.bill_number}",
        first_page_foot=contacts(data, supplier),
    )


def first_page(data: BillDocumentData, kind: str) -> list[Flowable]:
    return [
        title(data, kind),
        Spacer(0, 3 * mm),
        side_by_side([customer_box(data), supply_box(data)], [HALF + 8, HALF]),
        Spacer(0, 3 * mm),
        total_box(data),
        heading("Scontrino dell'energia"),
        receipt(data).table(),
        Spacer(0, 3 * mm),
        side_by_side([offer_box(data), link_box(data)], [HALF + 8, HALF]),
    ]


def title(data: BillDocumentData, kind: str) -> Flowable:
    bill = data.bill
    left = [text(f"Bolletta {COMMODITY[data.supply.commodity]}", TITLE), text(kind)]
    right = lines(
        [
            f"Bolletta n. {bill.bill_number}",
            f"Emessa il {day(bill.issued_on)}",
            f"Periodo {period(bill.period_start, bill.period_end)}",
        ],
        bold_first=True,
    )
    return side_by_side([left, right], [HALF + 8, HALF])


def customer_box(data: BillDocumentData) -> Flowable:
    customer = data.customer
    rows = [customer.full_name] if customer.full_name else []
    rows.append(f"Codice cliente: {customer.customer_code}")
    if customer.fiscal_code:
        rows.append(f"Codice fiscale: {customer.fiscal_code}")
    rows.append(f"Profilo di pagamento: {data.profile.number}")
    delivery = data.profile.delivery
    if isinstance(delivery, PostalBills):
        sent = ["Recapito della bolletta:", *address_lines(delivery.address)]
    elif isinstance(delivery, EmailBills):
        sent = [f"Bolletta digitale inviata a {delivery.email}"]
    return box(
        [
            text("Intestatario", SMALL),
            lines(rows, bold_first=bool(customer.full_name)),
            lines(sent, SMALL),
        ],
        HALF,
    )


def supply_box(data: BillDocumentData) -> Flowable:
    supply = data.supply
    rows = [
        f"{POINT[supply.commodity]} {supply.point_id}",
        *address_lines(supply.address),
        "Uso domestico" if supply.use == "domestic" else "Uso non domestico",
    ]
    if supply.contracted_power_kw is not None:
        rows.append(f"Potenza impegnata: {decimal_kw(supply.contracted_power_kw)} kW")
    meter = "telelettura" if supply.meter.smart else "lettura manuale"
    rows.append(f"Contatore {supply.meter.serial} ({meter})")
    rows.append(f"Offerta: {supply.offer_name}")
    return box(
        [text(f"Fornitura di {COMMODITY[supply.commodity]}", SMALL), lines(rows, bold_first=True)],
        HALF,
    )


def decimal_kw(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def to_pay_cents(data: BillDocumentData) -> int:
    return max(0, data.bill.total_cents - data.bill.credit_applied_cents)


def total_box(data: BillDocumentData) -> Flowable:
    bill = data.bill
    figures = side_by_side(
        [
            [text("Totale da pagare"), text(money(to_pay_cents(data)), BIG)],
            [text("Scadenza"), text(day(bill.due_on), BIG)],
        ],
        [WIDTH / 2, WIDTH / 2 - 12],
    )
    notes = [payment_line(data), f"Stato al {day(data.today)}: {STATUS[data.status]}"]
    if bill.credit_applied_cents:
        notes.append(
            f"Totale bolletta {money(bill.total_cents)}, crediti precedenti detratti "
            f"{money(bill.credit_applied_cents)}"
        )
    if bill.total_cents < bill.credit_applied_cents:
        notes.append(f"Credito a tuo favore: {money(bill.credit_applied_cents - bill.total_cents)}")
    if bill.estimated:
        notes.append(
            "Bolletta emessa su consumi stimati: comunica l'autolettura nell'area clienti."
        )
    return box([figures, lines(notes)], WIDTH, shaded=True)


def payment_line(data: BillDocumentData) -> str:
    if data.bill.payment_method == "pagopa":
        if data.notice is not None:
            return "Paga con l'avviso pagoPA allegato"
        return "Pagamento con avviso pagoPA"
    payment = data.profile.payment
    if isinstance(payment, DirectDebit):
        return f"Pagamento con addebito diretto su conto {payment.iban_masked}"
    return "Pagamento con addebito diretto su conto corrente"


def receipt(data: BillDocumentData) -> Grid:
    """Part by part: a bold row with the part's total, then its lines, quantity x price."""
    commodity = data.supply.commodity
    parts = [(part, [x for x in data.bill.lines if x.section == part]) for part in SECTIONS]
    parts = [(part, part_lines) for part, part_lines in parts if part_lines]
    per_part = lines_per_part([len(part_lines) for _, part_lines in parts])
    rows: list[list[object]] = [["Voce", "Quantità", "Prezzo unitario", "Importo"]]
    bold: list[int] = []
    for part, part_lines in parts:
        bold.append(len(rows))
        total = sum(line.amount_cents for line in part_lines)
        name = section(part, commodity)
        if not per_part and len(part_lines) > 1:
            name = f"{name} ({len(part_lines)} voci)"
        rows.append([name, "", "", money(total)])
        shown = part_lines[:per_part]
        rows += [receipt_row(line) for line in shown]
        rest = part_lines[len(shown) :]
        if rest and per_part:
            rest_total = sum(line.amount_cents for line in rest)
            rows.append([text(f"altre {len(rest)} voci", CELL_INDENTED), "", "", money(rest_total)])
    bill = data.bill
    totals: list[list[object]] = [["Totale bolletta", "", "", money(bill.total_cents)]]
    if bill.credit_applied_cents:
        totals.append(["Crediti precedenti detratti", "", "", money(-bill.credit_applied_cents)])
    totals.append(["Totale da pagare", "", "", money(to_pay_cents(data))])
    first_total = len(rows)
    rows += totals
    return Grid(
        rows=rows,
        widths=[WIDTH - 290, 90, 100, 100],
        figures=(1, 2, 3),
        bold=[*bold, *range(first_total, len(rows))],
        shaded=[len(rows) - 1],
    )


def lines_per_part(counts: list[int]) -> int:
    def rows(most: int) -> int:
        items = sum(min(count, most) + (count > most) for count in counts) if most else 0
        return len(counts) + items

    return next((most for most in RECEIPT_LINES_PER_PART if rows(most) <= RECEIPT_ROWS), 0)


def receipt_row(line: BillLine) -> list[object]:
    amount = "" if line.quantity is None else quantity(line.quantity, line.unit)
    price = "" if line.unit_price is None else unit_price(line.unit_price, line.unit)
    return [text(line.description, CELL_INDENTED), amount, price, money(line.amount_cents)]


def offer_box(data: BillDocumentData) -> Flowable:
    supply, consumption = data.supply, data.bill.consumption
    rows = [supply.offer_name, f"Codice offerta: {supply.offer_code}"]
    rows.append(f"Consumi fatturati: {decimal(consumption.quantity)} {consumption.unit}")
    readings = data.bill.readings
    if readings:
        last = max(readings, key=lambda r: r.read_on)
        rows.append(f"Ultima lettura: {day(last.read_on)} ({READING_KIND[last.kind]})")
    return box([text("La tua offerta", SMALL), lines(rows, bold_first=True)], HALF)


def link_box(data: BillDocumentData) -> Flowable:
    """The QR code and the personal link to the bill's page (the full detail, online)."""
    words = text(
        "Il dettaglio della bolletta, i pagamenti e le letture nella tua area clienti: "
        "inquadra il codice QR o apri il link qui sotto."
    )
    qr = side_by_side([QrCode(data.bill_url, 25 * mm), words], [27 * mm, HALF - 27 * mm - 12])
    return box([qr, text(data.bill_url, SMALL)], HALF)


def contacts(data: BillDocumentData, supplier: SupplierInfo) -> tuple[str, ...]:
    """The first page's fixed foot: the distributor's emergency number, then where to complain."""
    distributor = data.supply.distributor
    what = "dispersioni e guasti" if data.supply.commodity == "gas" else "guasti"
    return (
        f"<b>Pronto intervento {escape(distributor.name)}: {escape(distributor.emergency_number)}"
        f"</b> ({what}, gratuito, 24 ore su 24)",
        f"<b>Reclami e richieste di informazioni</b>: per posta a "
        f"{escape(supplier.complaint_address)}; per e-mail a {escape(supplier.complaint_email)}; "
        f"numero verde {escape(supplier.toll_free_number)}; modulo online su "
        f"{escape(supplier.website)}.",
        f"{escape(supplier.name)}, {escape(supplier.address)}, P. IVA "
        f"{escape(supplier.vat_number)}",
    )
