"""The two-year limit (*prescrizione biennale*): amounts billed more than two years late.

Each line is judged on the last day it bills (a line without a period of its own bills the
bill's period), against the bill's issue date.
"""

from datetime import date

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.dates import format_date, years_before
from sportello_billing.domain.money import format_euro
from sportello_contracts.bills import BillLine, LineSection, TimeBarredPublic

LIMIT_YEARS = 2
# The sections that bill consumption or the supply's running; taxes and VAT follow them.
TIME_BARRED_SECTIONS: frozenset[LineSection] = frozenset(
    {"consumption", "fixed", "power", "adjustment"}
)


def time_barred(bill: Bill, limit_years: int = LIMIT_YEARS) -> TimeBarredPublic | None:
    """The lines of `bill` billing days more than `limit_years` years before it was issued,
    when they add up to something to pay; None otherwise (and for a cancelled bill)."""
    if limit_years < 1:
        raise ValueError("the limit is at least one year")
    if bill.cancelled_on is not None:
        return None
    last_day_billable = years_before(bill.issued_on, limit_years)
    barred = [
        line
        for line in bill.lines
        if line.section in TIME_BARRED_SECTIONS and _last_day(line, bill) < last_day_billable
    ]
    amount = sum(line.amount_cents for line in barred)
    if amount <= 0:
        return None
    return TimeBarredPublic(
        amount_cents=amount,
        lines=tuple(_described(line, bill) for line in barred),
        explanation=(
            f"Questa bolletta contiene {format_euro(amount)} per consumi di oltre {limit_years} "
            f"anni prima della sua emissione (il {format_date(bill.issued_on)}). Puoi opporti "
            "al pagamento di questi importi: sono caduti in prescrizione biennale. Invia "
            "l'eccezione di prescrizione con il modulo dalla pagina della bolletta, nella "
            "sezione Richieste."
        ),
    )


def _last_day(line: BillLine, bill: Bill) -> date:
    return line.period_end if line.period_end is not None else bill.period_end


def _described(line: BillLine, bill: Bill) -> str:
    start = line.period_start if line.period_start is not None else bill.period_start
    period = f"dal {format_date(start)} al {format_date(_last_day(line, bill))}"
    return f"{line.description} ({period}): {format_euro(line.amount_cents)}"
