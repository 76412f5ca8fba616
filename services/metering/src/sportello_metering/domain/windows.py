"""The supplier's self-reading window: whether a reading taken today counts for the next bill, and
when the next window opens.

The window is printed on each bill; once it has passed and the next bill has not come yet, the
next one is estimated from it, a month at a time, since readings windows follow a monthly or
longer billing plan on the same days of the month.
"""

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WindowState:
    in_window: bool
    window: tuple[date, date] | None  # the window that applies: the current one, or the next
    next_opens_on: date | None  # out of the window: when the next one opens


def window_state(window: tuple[date, date] | None, today: date) -> WindowState:
    """Where `today` falls against the last window known (none known: a reading always counts
    for the next bill)."""
    if window is None:
        return WindowState(in_window=True, window=None, next_opens_on=None)
    opens_on, closes_on = window
    if today < opens_on:
        return WindowState(in_window=False, window=window, next_opens_on=opens_on)
    if today <= closes_on:
        return WindowState(in_window=True, window=window, next_opens_on=None)
    moved = _next_window_after(window, today)
    if moved[0] <= today:
        return WindowState(in_window=True, window=moved, next_opens_on=None)
    return WindowState(in_window=False, window=moved, next_opens_on=moved[0])


def _next_window_after(window: tuple[date, date], today: date) -> tuple[date, date]:
    """The first monthly repetition of `window` that closes on or after `today`."""
    opens_on, closes_on = window
    # Start near today rather than walking month by month from a window years old; one month
    # back leaves room for a day clamped at a month's end.
    months = max(1, (today.year - closes_on.year) * 12 + today.month - closes_on.month - 1)
    while True:
        moved = (months_later(opens_on, months), months_later(closes_on, months))
        if moved[1] >= today:
            return moved
        months += 1


def months_later(day: date, months: int) -> date:
    """The same day number `months` months later, clamped to the month's length (31 January
    plus one month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
