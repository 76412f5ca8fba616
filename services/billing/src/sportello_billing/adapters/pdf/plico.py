"""The plico's cover: the bills of one customer issued the same day, paid the same way."""

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from sportello_billing.adapters.pdf.data import PlicoDocumentData, SupplierInfo
from sportello_billing.adapters.pdf.italian import PAYMENT_METHOD, POINT, day, money, period
from sportello_billing.adapters.pdf.layout import (
    BIG,
    CELL,
    TITLE,
    WIDTH,
    Grid,
    Masthead,
    box,
    heading,
    lines,
    render,
    side_by_side,
    text,
)


def render_plico(plico: PlicoDocumentData, supplier: SupplierInfo) -> bytes:
    """The cover PDF: who, when and how it is paid, one row per bill, then the totals."""
    issued = day(plico.issued_on)
    code = plico.customer.customer_code
    story: list[Flowable] = [
        text("Plico di bollette", TITLE),
        text(f"Le bollette emesse il {issued}, con lo stesso metodo di pagamento"),
        Spacer(0, 3 * mm),
        box([who(plico), how(plico)], WIDTH),
        heading("Bollette del plico"),
        bill_table(plico).table(),
        Spacer(0, 4 * mm),
        box(
            [
                side_by_side(
                    [text("Totale da pagare"), text(money(plico.total_due_cents), BIG)],
                    [WIDTH / 2, WIDTH / 2 - 12],
                )
            ],
            WIDTH,
            shaded=True,
        ),
    ]
    masthead = Masthead(supplier=supplier, document=f"Plico del {issued}, cliente {code}")
    return render(story, masthead, f"Plico del {issued}")


def who(plico: PlicoDocumentData) -> Flowable:
    customer = plico.customer
    rows = [customer.full_name] if customer.full_name else []
    rows.append(f"Codice cliente: {customer.customer_code}")
    if customer.fiscal_code:
        rows.append(f"Codice fiscale: {customer.fiscal_code}")
    return lines(rows, bold_first=bool(customer.full_name))


def how(plico: PlicoDocumentData) -> Flowable:
    method = PAYMENT_METHOD[plico.payment_method]
    if plico.payment_method == "direct_debit" and plico.iban_masked:
        method = f"{method}, conto {plico.iban_masked}"
    return lines(
        [
            f"Data di emissione: {day(plico.issued_on)}",
            f"Metodo di pagamento: {method}",
            f"Situazione al {day(plico.today)}",
        ]
    )


def bill_table(plico: PlicoDocumentData) -> Grid:
    rows: list[list[object]] = [
        ["Bolletta", "Punto di fornitura", "Periodo", "Scadenza", "Importo"]
    ]
    for bill, supply in plico.bills:
        rows.append(
            [
                bill.bill_number,
                f"{POINT[supply.commodity]} {supply.point_id}",
                text(period(bill.period_start, bill.period_end), CELL),
                day(bill.due_on),
                money(bill.total_cents),
            ]
        )
    first_total = len(rows)
    rows.append(["Totale bollette", "", "", "", money(plico.total_cents)])
    rows.append(["Crediti precedenti detratti", "", "", "", money(-plico.credits_cents)])
    rows.append(["Totale da pagare", "", "", "", money(plico.total_due_cents)])
    return Grid(
        rows=rows,
        widths=[95, 120, WIDTH - 365, 70, 80],
        figures=(4,),
        bold=range(first_total, len(rows)),
        shaded=[len(rows) - 1],
    )
