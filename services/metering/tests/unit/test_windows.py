"""The reading window: in it or not, which window applies, and when the next one opens (estimated
a month at a time once the printed one has passed)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sportello_metering.domain.windows import WindowState, months_later, window_state

NOVEMBER = (date(2026, 11, 25), date(2026, 11, 30))

_DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def windows(draw: st.DrawFn) -> tuple[date, date]:
    opens_on = draw(_DAYS)
    return opens_on, opens_on + timedelta(days=draw(st.integers(min_value=0, max_value=75)))


def test_no_window_known_means_the_reading_counts() -> None:
    assert window_state(None, date(2026, 11, 27)) == WindowState(True, None, None)


def test_before_the_window_opens_the_next_is_that_one() -> None:
    assert window_state(NOVEMBER, date(2026, 11, 24)) == WindowState(
        False, NOVEMBER, date(2026, 11, 25)
    )


def test_within_the_window_first_and_last_day_included() -> None:
    for today in (date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30)):
        assert window_state(NOVEMBER, today) == WindowState(True, NOVEMBER, None)


def test_after_it_closed_the_next_is_the_same_days_a_month_on() -> None:
    december = (date(2026, 12, 25), date(2026, 12, 30))
    assert window_state(NOVEMBER, date(2026, 12, 1)) == WindowState(
        False, december, date(2026, 12, 25)
    )


def test_a_moved_window_that_holds_today_is_in_window() -> None:
    assert window_state(NOVEMBER, date(2027, 2, 26)) == WindowState(
        True, (date(2027, 2, 25), date(2027, 2, 28)), None
    )


def test_days_beyond_a_month_end_are_clamped_and_come_back() -> None:
    january_end = (date(2026, 1, 29), date(2026, 1, 31))
    state = window_state(january_end, date(2026, 2, 10))
    assert state.window == (date(2026, 2, 28), date(2026, 2, 28))
    # Counted from the printed window, not from February's clamped one.
    assert window_state(january_end, date(2026, 3, 1)).window == (
        date(2026, 3, 29),
        date(2026, 3, 31),
    )


def test_months_later_keeps_the_day_or_the_months_last() -> None:
    assert months_later(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert months_later(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert months_later(date(2026, 11, 15), 14) == date(2028, 1, 15)


@settings(max_examples=300)
@given(window=windows(), today=_DAYS)
def test_in_window_exactly_when_today_is_within_the_window_returned(
    window: tuple[date, date], today: date
) -> None:
    state = window_state(window, today)
    assert state.window is not None
    opens_on, closes_on = state.window
    assert opens_on <= closes_on
    assert state.in_window == (opens_on <= today <= closes_on)
    if state.in_window:
        assert state.next_opens_on is None
    else:
        assert state.next_opens_on == opens_on
        assert state.next_opens_on > today


@settings(max_examples=200)
@given(window=windows(), today=_DAYS)
def test_the_window_returned_is_the_printed_one_or_a_whole_number_of_months_on(
    window: tuple[date, date], today: date
) -> None:
    state = window_state(window, today)
    assert state.window is not None
    if today <= window[1]:
        assert state.window == window
        return
    months = (state.window[1].year - window[1].year) * 12 + state.window[1].month - window[1].month
    assert months >= 1
    assert state.window == (months_later(window[0], months), months_later(window[1], months))
    # The first such window to end on or after today: the one before ended before today.
    if months > 1:
        assert months_later(window[1], months - 1) < today
