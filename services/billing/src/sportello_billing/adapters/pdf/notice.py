"""The pagoPA payment notice (*avviso di pagamento*) attached to a pagoPA bill."""

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak

from sportello_billing.adapters.pdf.data import BillDocumentData, SupplierInfo
from sportello_billing.adapters.pdf.italian import COMMODITY, POINT, day, money
from sportello_billing.adapters.pdf.layout import (
    BODY_BOLD,
    WIDTH,
    Grid,
    QrCode,
    box,
    heading,
    side_by_side,
    text,
)

QR_SIZE = 40 * mm


def notice_pages(data: BillDocumentData, supplier: SupplierInfo) -> list[Flowable]:
    """A page of its own, so it can be printed and taken to a payment point; nothing when the
    bill has no notice (direct debit)."""
    notice = data.notice
    if notice is None:
        return []
    bill, supply = data.bill, data.supply
    subject = (
        f"Bolletta n. {bill.bill_number}, {COMMODITY[supply.commodity]}, "
        f"{POINT[supply.commodity]} {supply.point_id}"
    )
    facts = Grid(
        rows=[
            ["Ente creditore", text(supplier.name)],
            ["Codice fiscale ente creditore", text(notice.creditor_fiscal_code)],
            ["Codice avviso", text(notice.notice_number, BODY_BOLD)],
            ["Importo", text(money(notice.amount_cents), BODY_BOLD)],
            ["Scadenza", text(day(bill.due_on))],
            ["Oggetto del pagamento", text(subject)],
        ],
        widths=[45 * mm, WIDTH - QR_SIZE - 45 * mm - 24],
        header=False,
        bold=[2, 3],
        font_size=8.5,
    ).table()
    how = text(
        "Puoi pagare con pagoPA sul sito o nell'app della tua banca o di altri prestatori di "
        "servizi di pagamento, agli sportelli bancari e ATM abilitati, negli uffici postali e nei "
        "punti vendita abilitati: inquadra il codice QR oppure indica il codice avviso e il "
        "codice fiscale dell'ente creditore. Paga entro la scadenza l'importo indicato."
    )
    return [
        PageBreak(),
        heading("Avviso di pagamento pagoPA"),
        box(
            [
                side_by_side(
                    [facts, QrCode(notice.qr_payload, QR_SIZE)], [WIDTH - QR_SIZE - 12, QR_SIZE]
                ),
                how,
            ],
            WIDTH,
        ),
    ]
