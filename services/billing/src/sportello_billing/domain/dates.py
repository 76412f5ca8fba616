"""Calendar arithmetic the billing rules need: whole years back, 29 February included."""

from datetime import date


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def format_date(day: date) -> str:
    """As Italian customers write it: `05/03/2026`."""
    return day.strftime("%d/%m/%Y")
