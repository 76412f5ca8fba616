"""Reading bills in pages: their order (grouped by profile, newest first) and the cursor."""

import base64
import binascii
import json
from datetime import date

from sportello_billing.domain.bills import Bill

Position = tuple[str, date, str]  # billing profile, issue date, bill number


class InvalidCursor(ValueError):
    """A cursor this service did not give."""


def cursor_after(bill: Bill) -> str:
    raw = json.dumps([bill.billing_profile, bill.issued_on.isoformat(), bill.bill_number])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def position_of(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        profile, issued_on, number = json.loads(raw)
        position = (str(profile), date.fromisoformat(issued_on), str(number))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidCursor() from None
    if not all(isinstance(part, str) for part in (profile, issued_on, number)):
        raise InvalidCursor()
    return position


def months_before(today: date, months: int) -> date:
    """The same day `months` earlier (the last day of a shorter month): the 24-month window."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day_of_month in range(today.day, 0, -1):
        try:
            return date(year, month, day_of_month)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
