"""The documents' page: A4, the supplier's masthead on every page, styles, tables, QR codes."""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from sportello_billing.adapters.pdf.data import SupplierInfo

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
MASTHEAD = 16 * mm  # the supplier's band at the top of every page
PAGE_FOOT = 8 * mm  # the page number
WIDTH = PAGE_WIDTH - 2 * MARGIN  # of the text frame

INK = colors.HexColor("#1d2b36")
ACCENT = colors.HexColor("#0b5f8a")
SHADE = colors.HexColor("#eaf2f7")
RULE = colors.HexColor("#9fb3c2")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8.5, leading=11, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7, leading=9)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
CELL_INDENTED = ParagraphStyle("cell-indented", parent=CELL, leftIndent=8)
BODY_BOLD = ParagraphStyle("body-bold", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18, textColor=ACCENT
)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=10.5,
    leading=13,
    spaceBefore=7,
    spaceAfter=3,
    textColor=ACCENT,
)
BIG = ParagraphStyle("big", parent=BODY, fontName="Helvetica-Bold", fontSize=22, leading=26)


def text(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: what comes from data is escaped, never read as markup."""
    return Paragraph(escape(value), style)


def lines(
    values: Sequence[str], style: ParagraphStyle = BODY, *, bold_first: bool = False
) -> Paragraph:
    parts = [escape(v) for v in values]
    if bold_first and parts:
        parts[0] = f"<b>{parts[0]}</b>"
    return Paragraph("<br/>".join(parts), style)


def heading(value: str) -> Paragraph:
    return text(value, HEADING)


@dataclass(frozen=True)
class Grid:
    """A table's rows and how they look: the first row a header (repeated on every page the
    table runs onto), right-aligned figure columns, bold and shaded rows."""

    rows: list[list[object]]
    widths: Sequence[float]
    header: bool = True
    figures: Sequence[int] = ()  # columns of figures, right-aligned
    bold: Sequence[int] = ()
    shaded: Sequence[int] = ()
    font_size: float = 7.5
    extra: list[tuple[object, ...]] = field(default_factory=list)

    def table(self) -> Table:
        commands: list[tuple[object, ...]] = [
            ("FONT", (0, 0), (-1, -1), "Helvetica", self.font_size, self.font_size + 2),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ]
        for column in self.figures:
            commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
        if self.header:
            commands += [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", self.font_size, self.font_size + 2),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
            ]
        for row in self.bold:
            commands.append(
                ("FONT", (0, row), (-1, row), "Helvetica-Bold", self.font_size, self.font_size + 2)
            )
        for row in self.shaded:
            commands.append(("BACKGROUND", (0, row), (-1, row), SHADE))
        table = Table(
            self.rows,
            colWidths=list(self.widths),
            repeatRows=1 if self.header else 0,
            hAlign="LEFT",
        )
        table.setStyle(TableStyle(commands + self.extra))
        return table


def box(content: list[Flowable], width: float, *, shaded: bool = False) -> Table:
    """Flowables framed together, as the first page's boxes are."""
    table = Table([[content]], colWidths=[width], hAlign="LEFT")
    style: list[tuple[object, ...]] = [
        ("BOX", (0, 0), (-1, -1), 0.7, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    if shaded:
        style.append(("BACKGROUND", (0, 0), (-1, -1), SHADE))
    table.setStyle(TableStyle(style))
    return table


def side_by_side(cells: Sequence[object], widths: Sequence[float]) -> Table:
    table = Table([list(cells)], colWidths=list(widths), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


class QrCode(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """A QR code drawn as vector squares: one path of the dark runs of each row, inside the
    quiet zone of 4 modules that readers need around it."""

    QUIET_ZONE = 4

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        # Never a Micro QR (which segno picks for short payloads): few phones read those.
        self.matrix = segno.make_qr(payload, error="m").matrix
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        module = self.size / (len(self.matrix) + 2 * self.QUIET_ZONE)
        margin = self.QUIET_ZONE * module
        path = self.canv.beginPath()
        for y, row in enumerate(self.matrix):
            top = self.size - margin - (y + 1) * module
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                path.rect(margin + start * module, top, (x - start) * module, module)
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


@dataclass(frozen=True)
class Masthead:
    """What every page of a document carries: the supplier and which document it is; and, on
    the first page only, a fixed block at its foot (the contacts the 2025 format puts there)."""

    supplier: SupplierInfo
    document: str  # "Bolletta n. 2026-000123"
    first_page_foot: tuple[str, ...] = ()  # markup of the block's paragraphs, escaped already

    def draw(self, canvas: Canvas, page: int) -> None:
        top = PAGE_HEIGHT - MARGIN
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(MARGIN, top - 11, self.supplier.name)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            MARGIN, top - 21, f"{self.supplier.address} - P. IVA {self.supplier.vat_number}"
        )
        canvas.setFont("Helvetica-Bold", 8.5)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 11, self.document)
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 21, self.supplier.website)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.7)
        canvas.line(MARGIN, top - MASTHEAD + 8, PAGE_WIDTH - MARGIN, top - MASTHEAD + 8)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN, f"Pagina {page}")
        canvas.restoreState()


def frame(bottom: float, top: float) -> Frame:
    return Frame(
        MARGIN,
        bottom,
        WIDTH,
        top - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )


def render(story: list[Flowable], masthead: Masthead, title: str) -> bytes:
    """The story laid out on A4 pages under the masthead, as PDF bytes.

    `invariant=1`: no creation date or random id, so the same story gives the same bytes and
    the service can store each document once, keyed by its content.
    """
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=masthead.supplier.name,
        creator="Sportello",
        invariant=1,
    )
    body_top = PAGE_HEIGHT - MARGIN - MASTHEAD
    body_bottom = MARGIN + PAGE_FOOT
    # The first page's fixed foot is measured first: the story flows above it.
    foot = box([Paragraph(p, SMALL) for p in masthead.first_page_foot], WIDTH, shaded=True)
    foot_height = foot.wrap(WIDTH, body_top)[1] + 4 if masthead.first_page_foot else 0.0

    def on_first(canvas: Canvas, doc: BaseDocTemplate) -> None:
        masthead.draw(canvas, doc.page)
        if masthead.first_page_foot:
            foot.drawOn(canvas, MARGIN, body_bottom)

    def on_later(canvas: Canvas, doc: BaseDocTemplate) -> None:
        masthead.draw(canvas, doc.page)

    document.addPageTemplates(
        [
            PageTemplate(
                id="first", frames=[frame(body_bottom + foot_height, body_top)], onPage=on_first
            ),
            PageTemplate(id="later", frames=[frame(body_bottom, body_top)], onPage=on_later),
        ]
    )
    document.build([NextPageTemplate("later"), *story])
    return buffer.getvalue()
