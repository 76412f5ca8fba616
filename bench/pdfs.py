"""Bill PDFs rendered per second, against a bare reportlab canvas drawing as many strings.

    .venv/bin/python bench/pdfs.py                   # about a minute
    .venv/bin/python bench/pdfs.py --slices 3        # a quick look

Three documents, made by billing's own renderers (`sportello_billing.adapters.pdf`) from one
typical bill: an electricity bill paid with pagoPA, 10 lines over all 8 parts of the energy receipt,
three readings by band and a comparison with the previous bill.

- **summary**: `render_summary`, the first page and the pagoPA notice (2 pages, 2 QR codes);
- **detail**: `render_detail`, the same and every line, the readings, the comparison (3 pages);
- **detail, 200 lines**: the longest bill the contract allows, for orientation.

Each document's baseline, in the same run: a bare reportlab canvas (`invariant=1`, Helvetica)
drawing as many text strings as the document shows (its `Tj` operators, counted in its content
streams), the document's own text, on one page, saved to bytes. So the baseline does the work of
putting the same text into a PDF with nothing of ours: no layout, no tables, no page breaks, no
QR codes. The ratio says what the layout costs on top of the library's floor.

All six take turns in short slices, in rotating order, each slice rendering for `--seconds`
(so no case always runs first on this shared machine). Reported: the median over the slices of
renders/s and of CPU ms per render (`time.process_time`), and **vs baseline** as the median of
the per-slice ratios to the document's own baseline. No database or broker needed.
"""

import argparse
import importlib.metadata
import io
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import cycle, islice

from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from sportello_billing.adapters.pdf import (
    BillDocumentData,
    SupplierInfo,
    render_detail,
    render_summary,
)
from sportello_billing.domain.bills import Bill
from sportello_billing.domain.customers import Customer
from sportello_billing.domain.notices import notice_number, qr_payload
from sportello_billing.domain.profiles import BillingProfile, PagoPa, PostalBills
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
HOME = PostalAddress(
    street="Via Roma", number="12", post_code="20121", city="Milano", province="MI"
)
NOON = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def bill_line(
    section: str, description: str, qty: str | None, unit: str | None, price: str | None, cents: int
) -> BillLine:
    return BillLine.model_validate(
        {
            "section": section,
            "description": description,
            "quantity": qty,
            "unit": unit,
            "unit_price": price,
            "amount_cents": cents,
        }
    )


TYPICAL_LINES = (
    bill_line("consumption", "Energia fascia F1", "210", "kWh", "0.1385", 2909),
    bill_line("consumption", "Energia fascia F2", "150", "kWh", "0.1290", 1935),
    bill_line("consumption", "Energia fascia F3", "180", "kWh", "0.1170", 2106),
    bill_line("fixed", "Quota fissa", "2", "mesi", "7.25", 1450),
    bill_line("power", "Quota potenza", "3", "kW", "3.95", 1185),
    bill_line("taxes", "Accisa sull'energia elettrica", "540", "kWh", "0.0227", 1226),
    bill_line("vat", "IVA 10%", "108.11", "euro", "0.10", 1081),
    bill_line("bonus", "Bonus sociale elettrico", None, None, None, -1500),
    bill_line("adjustment", "Ricalcolo consumi stimati", "-20", "kWh", "0.1385", -277),
    bill_line("other", "Canone RAI", "2", "mesi", "7.50", 1500),
)
LONG_LINES = tuple(
    bill_line("consumption", f"Prelievo giornaliero {n + 1}", "1.5", "kWh", "0.45", 68)
    for n in range(200)
)


def typical_bill() -> BillDocumentData:
    bill = Bill(
        bill_number="2026-E-000456",
        customer_code="C00010002",
        supply_id="SUP-LUCE-1",
        billing_profile="BP-000123",
        period_start=date(2025, 11, 1),
        period_end=date(2025, 12, 31),
        issued_on=date(2026, 1, 10),
        due_on=date(2026, 1, 31),
        total_cents=sum(line.amount_cents for line in TYPICAL_LINES),
        credit_applied_cents=0,
        lines=TYPICAL_LINES,
        consumption=ConsumptionBilled.model_validate(
            {"quantity": "540", "unit": "kWh", "by_band": {"F1": "210", "F2": "150", "F3": "180"}}
        ),
        readings=tuple(
            ReadingUsed(read_on=date(2025, 12, 31), value=value, kind="actual", band=band)
            for band, value in (("F1", 10210), ("F2", 7150), ("F3", 8020))
        ),
        payment_method="pagopa",
        notice_position="0000000012345",
        after_billing_gap=False,
        after_meter_fault=False,
    )
    supply = Supply(
        supply_id="SUP-LUCE-1",
        customer_code="C00010002",
        commodity="electricity",
        point_id="IT001E12345678",
        address=HOME,
        use="domestic",
        contracted_power_kw=3.0,
        offer_code="LUCE-FIX-12",
        offer_name="Luce Prezzo Fisso 12 mesi",
        meter=Meter(serial="E2G-445566", smart=True),
        distributor=Distributor(name="e-distribuzione", emergency_number="803 500"),
        activated_on=date(2024, 3, 1),
        ceased_on=None,
        billing_profile="BP-000123",
        updated_at=NOON,
    )
    number = notice_number("02", "0000000012345")
    return BillDocumentData(
        bill=bill,
        supply=supply,
        customer=Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi"),
        profile=BillingProfile(
            "BP-000123", "C00010002", PostalBills(HOME), PagoPa(), "active", NOON
        ),
        notice=PaymentNoticePublic(
            notice_number=number,
            creditor_fiscal_code=SUPPLIER.creditor_fiscal_code,
            amount_cents=bill.total_cents,
            qr_payload=qr_payload(number, SUPPLIER.creditor_fiscal_code, bill.total_cents),
        ),
        comparison=Comparison(
            against="previous",
            other_bill_number="2025-E-000321",
            other_total_cents=9820,
            difference_cents=bill.total_cents - 9820,
            causes=(
                Difference(
                    cause="reading",
                    amount_cents=1200,
                    explanation="La bolletta precedente era su consumi stimati.",
                ),
                Difference(cause="days", amount_cents=595, explanation="Sono fatturati 61 giorni."),
            ),
            summary="Questa bolletta è più alta della precedente.",
        ),
        bill_url="https://area.energiachiara.it/bollette/2026-E-000456",
        status="unpaid",
        status_label="Da pagare",
        today=date(2026, 1, 15),
    )


def shown_strings(pdf: bytes) -> list[str]:
    """The document's text strings: one per `Tj`/`TJ` operator of its content streams; their
    text as pypdf extracts it, to draw the same text in the baseline."""
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        operations = ContentStream(page.get_contents(), reader).operations
        count += sum(1 for _, operator in operations if operator in (b"Tj", b"TJ"))
    words = [line for page in reader.pages for line in page.extract_text().splitlines() if line]
    return list(islice(cycle(words), count))


def bare_canvas(strings: list[str]) -> Callable[[], bytes]:
    """The baseline: the same strings drawn on one page of a bare canvas, saved to bytes."""
    width, height = A4

    def render() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=1)
        canvas.setFont("Helvetica", 7)
        y = height - 40
        for n, string in enumerate(strings):
            canvas.drawString(40 + (n % 2) * (width / 2 - 20), y, string[:70])
            if n % 2:
                y = y - 8 if y > 48 else height - 40
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    return render


@dataclass
class Case:
    name: str
    render: Callable[[], bytes]
    baseline: str | None  # the case this one is compared with
    per_second: list[float]
    cpu_ms: list[float]


def run_slice(render: Callable[[], bytes], seconds: float) -> tuple[float, float]:
    """Renders back to back for `seconds`: renders/s, CPU ms per render."""
    done = 0
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        render()
        done += 1
    elapsed = time.perf_counter() - started
    return done / elapsed, (time.process_time() - cpu) * 1000 / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=10, help="slices per case")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of a slice")
    args = parser.parse_args()

    typical = typical_bill()
    assert typical.notice is not None
    long_total = sum(line.amount_cents for line in LONG_LINES)
    long = replace(
        typical,
        bill=replace(typical.bill, lines=LONG_LINES, total_cents=long_total),
        notice=typical.notice.model_copy(
            update={
                "amount_cents": long_total,
                "qr_payload": qr_payload(
                    typical.notice.notice_number, SUPPLIER.creditor_fiscal_code, long_total
                ),
            }
        ),
    )
    documents = {
        "summary": lambda: render_summary(typical, SUPPLIER),
        "detail": lambda: render_detail(typical, SUPPLIER),
        "detail, 200 lines": lambda: render_detail(long, SUPPLIER),
    }
    cases: list[Case] = []
    print(f"# bill PDFs, {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}")
    print(
        f"Python {platform.python_version()}, reportlab {importlib.metadata.version('reportlab')}, "
        f"segno {importlib.metadata.version('segno')}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| document | pages | text strings | bytes |")
    print("|---|---:|---:|---:|")
    for name, render in documents.items():
        pdf = render()
        strings = shown_strings(pdf)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"| {name} | {pages} | {len(strings)} | {len(pdf):,} |")
        cases.append(Case(name, render, f"bare canvas, as {name}", [], []))
        cases.append(Case(f"bare canvas, as {name}", bare_canvas(strings), None, [], []))
    for case in cases:  # warm-up: imports, fonts, caches
        run_slice(case.render, min(args.seconds, 0.3))

    ratios: dict[str, list[float]] = {case.name: [] for case in cases}
    for n in range(args.slices):
        shift = n % len(cases)
        figures: dict[str, float] = {}
        for case in cases[shift:] + cases[:shift]:
            per_second, cpu_ms = run_slice(case.render, args.seconds)
            case.per_second.append(per_second)
            case.cpu_ms.append(cpu_ms)
            figures[case.name] = per_second
        for case in cases:
            if case.baseline is not None:
                ratios[case.name].append(figures[case.name] / figures[case.baseline])

    print()
    print(
        f"{args.slices} slices of {args.seconds:g} s per case, load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print("| render | renders/s (median) | min | max | CPU ms/render | vs bare canvas |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in cases:
        ratio = f"**{statistics.median(ratios[case.name]):.2f}**" if case.baseline else "1.00"
        print(
            f"| {case.name} | {statistics.median(case.per_second):,.1f} | "
            f"{min(case.per_second):,.1f} | {max(case.per_second):,.1f} | "
            f"{statistics.median(case.cpu_ms):.2f} | {ratio} |"
        )


if __name__ == "__main__":
    main()
