"""The bill's detail (*bolletta di dettaglio*): the summary's first page, then every line, the
consumption billed, the readings used and how the bill compares with another."""

from reportlab.platypus import Flowable, PageBreak

from sportello_billing.adapters.pdf.data import BillDocumentData, SupplierInfo
from sportello_billing.adapters.pdf.italian import (
    CAUSE,
    READING_KIND,
    SECTIONS,
    day,
    decimal,
    money,
    section,
    unit_price,
    within_sentence,
)
from sportello_billing.adapters.pdf.italian import quantity as quantity_text
from sportello_billing.adapters.pdf.layout import (
    CELL,
    TITLE,
    WIDTH,
    Grid,
    heading,
    lines,
    render,
    text,
)
from sportello_billing.adapters.pdf.notice import notice_pages
from sportello_billing.adapters.pdf.summary import first_page, masthead, to_pay_cents
from sportello_contracts.bills import BillLine, Comparison

LINE_WIDTHS = (WIDTH - 340, 95, 65, 40, 75, 65)


def render_detail(data: BillDocumentData, supplier: SupplierInfo) -> bytes:
    """The bill's detail PDF: the first page as in the summary, the detail (as many pages as
    it takes, the table's header repeated on each), then the pagoPA notice if there is one."""
    story = [
        *first_page(data, "Bolletta di dettaglio"),
        PageBreak(),
        *detail(data),
        *notice_pages(data, supplier),
    ]
    return render(story, masthead(data, supplier), f"Bolletta n. {data.bill.bill_number}")


def detail(data: BillDocumentData) -> list[Flowable]:
    story: list[Flowable] = [
        text("Dettaglio della bolletta", TITLE),
        heading("Voci della bolletta"),
        line_table(data).table(),
        heading("Consumi fatturati"),
        *consumption(data),
        heading("Letture utilizzate"),
        readings(data),
    ]
    if data.comparison is not None:
        story += comparison(data.comparison)
    return story


def line_table(data: BillDocumentData) -> Grid:
    """Every line, part by part, each part closed by its total; then the bill's totals."""
    bill = data.bill
    rows: list[list[object]] = [
        ["Voce", "Periodo", "Quantità", "Unità", "Prezzo unitario", "Importo"]
    ]
    bold: list[int] = []
    shaded: list[int] = []
    for part in SECTIONS:
        part_lines = [line for line in bill.lines if line.section == part]
        if not part_lines:
            continue
        name = section(part, data.supply.commodity)
        shaded.append(len(rows))
        bold.append(len(rows))
        rows.append([name, "", "", "", "", ""])
        rows += [line_row(line, data) for line in part_lines]
        bold.append(len(rows))
        total = sum(line.amount_cents for line in part_lines)
        rows.append([f"Totale {within_sentence(name)}", "", "", "", "", money(total)])
    first_total = len(rows)
    rows.append(["Totale bolletta", "", "", "", "", money(bill.total_cents)])
    rows.append(["di cui IVA", "", "", "", "", money(part_total(data, "vat"))])
    rows.append(["di cui imposte (accise)", "", "", "", "", money(part_total(data, "taxes"))])
    if bill.credit_applied_cents:
        rows.append(
            ["Crediti precedenti detratti", "", "", "", "", money(-bill.credit_applied_cents)]
        )
    if bill.credited_cents:
        rows.append(["Nota di credito", "", "", "", "", money(-bill.credited_cents)])
    rows.append(["Totale da pagare", "", "", "", "", money(to_pay_cents(data))])
    return Grid(
        rows=rows,
        widths=LINE_WIDTHS,
        figures=(2, 4, 5),
        bold=[*bold, first_total, len(rows) - 1],
        shaded=[*shaded, len(rows) - 1],
    )


def part_total(data: BillDocumentData, part: str) -> int:
    return sum(line.amount_cents for line in data.bill.lines if line.section == part)


def line_row(line: BillLine, data: BillDocumentData) -> list[object]:
    start = line.period_start or data.bill.period_start
    end = line.period_end or data.bill.period_end
    description = f"{line.description} (conguaglio)" if line.catch_up else line.description
    if line.quantity is None:
        amount = ""
    elif line.unit == "euro":
        amount = quantity_text(line.quantity, line.unit)
    else:
        amount = decimal(line.quantity)
    price = "" if line.unit_price is None else unit_price(line.unit_price, line.unit)
    unit = "" if line.unit in (None, "euro") else str(line.unit)
    return [
        text(description, CELL),
        f"{day(start)} - {day(end)}",
        amount,
        unit,
        price,
        money(line.amount_cents),
    ]


def consumption(data: BillDocumentData) -> list[Flowable]:
    billed = data.bill.consumption
    days = data.bill.days_billed
    story: list[Flowable] = [
        text(f"Totale: {decimal(billed.quantity)} {billed.unit} in {days} giorni")
    ]
    if billed.by_band:
        rows: list[list[object]] = [["Fascia", "Consumo"]]
        rows += [
            [band, f"{decimal(billed.by_band[band])} {billed.unit}"]
            for band in sorted(billed.by_band)
        ]
        story.append(Grid(rows=rows, widths=[60, 100], figures=(1,)).table())
    return story


def readings(data: BillDocumentData) -> Flowable:
    if not data.bill.readings:
        return text("Nessuna lettura disponibile: i consumi di questa bolletta sono stimati.")
    rows: list[list[object]] = [["Data", "Lettura", "Tipo", "Fascia"]]
    for reading in sorted(data.bill.readings, key=lambda r: (r.read_on, r.band or "")):
        rows.append(
            [
                day(reading.read_on),
                f"{reading.value:,}".replace(",", "."),
                READING_KIND[reading.kind],
                reading.band or "",
            ]
        )
    return Grid(rows=rows, widths=[70, 90, 80, 50], figures=(1,)).table()


def comparison(compared: Comparison) -> list[Flowable]:
    against = (
        "la bolletta precedente"
        if compared.against == "previous"
        else "la bolletta dello stesso periodo dell'anno scorso"
    )
    rows: list[list[object]] = [["Causa", "Importo", "Spiegazione"]]
    rows += [
        [CAUSE[cause.cause], money(cause.amount_cents), text(cause.explanation, CELL)]
        for cause in compared.causes
    ]
    return [
        heading(f"Confronto con {against}"),
        lines(
            [
                compared.summary,
                f"Bolletta n. {compared.other_bill_number}: {money(compared.other_total_cents)}; "
                f"differenza {money(compared.difference_cents)}",
            ]
        ),
        Grid(rows=rows, widths=[80, 70, WIDTH - 150], figures=(1,)).table(),
    ]
