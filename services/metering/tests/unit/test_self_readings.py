"""Self-readings: digits only and no more than the dial has, rollovers told from mistakes, high
consumption flagged and never refused, one id per reading, the regulator's receipt deadline."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_metering.domain.meters import Meter, Values
from sportello_metering.domain.readings import Reading
from sportello_metering.domain.self_readings import (
    ReadingRefused,
    ReadingRules,
    answer_by,
    consumption_between,
    expected_daily,
    judge,
    parse_values,
    reading_id_for,
)

RULES = ReadingRules()
INSTALLED = date(2024, 1, 10)
TODAY = date(2026, 11, 27)


def gas_meter(digits: int = 5, *, initial: int = 0, installed_on: date = INSTALLED) -> Meter:
    return Meter(
        supply_id="GAS-000123",
        serial="GM-00912233",
        digits=digits,
        unit="m3",
        registers=("total",),
        smart=False,
        correction_factor=Decimal("1.021"),
        installed_on=installed_on,
        initial={"total": initial},
    )


def banded_meter(digits: int = 6) -> Meter:
    return Meter(
        supply_id="ELE-000124",
        serial="EM-55102",
        digits=digits,
        unit="kWh",
        registers=("F1", "F2", "F3"),
        smart=False,
        correction_factor=None,
        installed_on=INSTALLED,
        initial={"F1": 0, "F2": 0, "F3": 0},
    )


def reading(
    read_on: date,
    values: Values,
    *,
    source: str = "distributor",
    status: str = "validated",
    serial: str = "GM-00912233",
) -> Reading:
    return Reading(
        reading_id="RDG-" + read_on.strftime("%Y%m%d"),
        supply_id="GAS-000123",
        customer_code="C00012345",
        meter_serial=serial,
        read_on=read_on,
        values=values,
        source=source,
        status=status,
        recorded_at=datetime.combine(read_on, datetime.min.time(), tzinfo=UTC),
    )


def refusal(call: object, *args: object) -> ReadingRefused:
    assert callable(call)
    with pytest.raises(ReadingRefused) as caught:
        call(*args)
    return caught.value


# Parsing the digits.

# Characters a customer might type: digits, the signs and separators of a number, letters, and
# digits of other scripts that str.isdigit() would take.
_TYPED = st.text(alphabet=st.sampled_from("0123456789-+.,eaO\u0661\u0662\u00b3"), max_size=9)


@given(text=_TYPED, digits=st.integers(min_value=3, max_value=8))
def test_digits_accepted_exactly_when_ascii_digits_no_longer_than_the_dial(
    text: str, digits: int
) -> None:
    meter = gas_meter(digits)
    acceptable = 1 <= len(text) <= digits and all(c in "0123456789" for c in text)
    if acceptable:
        assert parse_values(meter, text, None) == {"total": int(text)}
    else:
        with pytest.raises(ReadingRefused) as caught:
            parse_values(meter, text, None)
        too_long = all(c in "0123456789" for c in text) and len(text) > digits
        assert caught.value.code == ("too_many_digits" if too_long else "not_digits")


@given(
    value=st.integers(min_value=0, max_value=99_999),
    before=st.sampled_from(["", " ", "  ", "\t"]),
    after=st.sampled_from(["", " ", "\n"]),
)
def test_surrounding_spaces_and_leading_zeros_do_not_change_the_value(
    value: int, before: str, after: str
) -> None:
    text = f"{value:05d}"
    assert parse_values(gas_meter(5), before + text + after, None) == {"total": value}


def test_spaces_between_groups_of_digits_are_read_through() -> None:
    assert parse_values(gas_meter(5), "04 521", None) == {"total": 4521}


def test_letters_are_refused_with_what_was_written() -> None:
    refused = refusal(parse_values, gas_meter(), "12a4", None)
    assert refused.code == "not_digits"
    assert refused.message == "La lettura può contenere solo cifre: hai scritto «12a4»."


@pytest.mark.parametrize(
    "text", ["-12", "+12", "12.5", "12,5", "1e3", "\u0661\u0662", "12\u00b3", ""]
)
def test_signs_decimals_other_scripts_and_nothing_are_not_digits(text: str) -> None:
    assert refusal(parse_values, gas_meter(), text, None).code == "not_digits"


def test_a_red_decimal_copied_too_is_too_many_digits_even_after_a_leading_zero() -> None:
    refused = refusal(parse_values, gas_meter(5), "045213", None)
    assert refused.code == "too_many_digits"
    assert refused.details["digits"] == 5
    assert "ne ha 5" in refused.message
    assert "rosso" in refused.message


def test_a_banded_meter_takes_the_three_bands() -> None:
    values = parse_values(banded_meter(), None, {"F3": "300", "F1": "0100", "F2": "200"})
    assert values == {"F1": 100, "F2": 200, "F3": 300}
    assert list(values) == ["F1", "F2", "F3"]


def test_a_band_missing_is_the_wrong_registers() -> None:
    refused = refusal(parse_values, banded_meter(), None, {"F1": "1", "F3": "3"})
    assert refused.code == "wrong_registers"
    assert refused.details["missing"] == ["F2"]
    assert "F2" in refused.message


def test_digits_for_a_banded_meter_or_bands_for_a_single_register_are_refused() -> None:
    assert refusal(parse_values, banded_meter(), "123", None).code == "wrong_registers"
    bands = {"F1": "1", "F2": "2", "F3": "3"}
    assert refusal(parse_values, gas_meter(), None, bands).code == "wrong_registers"
    assert refusal(parse_values, gas_meter(), None, None).code == "wrong_registers"


def test_a_bad_band_is_named_in_the_refusal() -> None:
    refused = refusal(parse_values, banded_meter(), None, {"F1": "1", "F2": "x", "F3": "3"})
    assert refused.code == "not_digits"
    assert refused.details["register"] == "F2"
    assert "F2" in refused.message


# Consumption and rollovers.


@given(
    digits=st.integers(min_value=3, max_value=9),
    earlier=st.floats(min_value=0, max_value=1, exclude_max=True),
    later=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_consumption_is_the_difference_modulo_the_dial_when_accepted(
    digits: int, earlier: float, later: float
) -> None:
    meter = gas_meter(digits)
    a, b = int(earlier * meter.capacity), int(later * meter.capacity)
    wrapped = meter.capacity - a + b
    plausible = b >= a or wrapped <= RULES.rollover_share * meter.capacity
    if plausible:
        consumption, rolled_over = consumption_between(meter, {"total": a}, {"total": b}, RULES)
        assert consumption == (b - a) % meter.capacity
        assert rolled_over == (b < a)
    else:
        refused = refusal(consumption_between, meter, {"total": a}, {"total": b}, RULES)
        assert refused.code == "lower_than_previous"
        assert refused.details["previous_value"] == a


@given(
    earlier=st.tuples(*[st.integers(min_value=0, max_value=999_999)] * 3),
    used=st.tuples(*[st.integers(min_value=0, max_value=400_000)] * 3),
)
def test_a_banded_meter_sums_its_registers_each_rolling_over_alone(
    earlier: tuple[int, int, int], used: tuple[int, int, int]
) -> None:
    meter = banded_meter(6)
    before = dict(zip(meter.registers, earlier, strict=True))
    after = {
        band: (start + step) % meter.capacity
        for band, start, step in zip(meter.registers, earlier, used, strict=True)
    }
    consumption, rolled_over = consumption_between(meter, before, after, RULES)
    assert consumption == sum(used)
    assert rolled_over == any(s + u >= meter.capacity for s, u in zip(earlier, used, strict=True))


def test_rollover_boundary_is_half_the_dial() -> None:
    meter = gas_meter(3)  # capacity 1000
    assert consumption_between(meter, {"total": 900}, {"total": 400}, RULES) == (500, True)
    refused = refusal(consumption_between, meter, {"total": 900}, {"total": 401}, RULES)
    assert refused.code == "lower_than_previous"


def test_a_lower_reading_names_the_previous_one_and_its_date() -> None:
    meter = gas_meter(5)
    with pytest.raises(ReadingRefused) as caught:
        judge(
            meter, {"total": 4000}, (date(2026, 9, 30), {"total": 4521}), Decimal(4), TODAY, RULES
        )
    assert caught.value.code == "lower_than_previous"
    assert caught.value.details["previous_value"] == 4521
    assert caught.value.details["previous_read_on"] == "2026-09-30"
    assert "(4521, del 30/09/2026)" in caught.value.message


# What history predicts.


def test_no_history_falls_back_to_the_default_of_the_unit() -> None:
    old_gas = gas_meter(installed_on=date(2015, 1, 1))
    assert expected_daily(old_gas, [], TODAY, RULES) == RULES.default_daily_m3
    electricity = banded_meter()
    assert expected_daily(electricity, [], TODAY, RULES) == RULES.default_daily_kwh


def test_average_between_the_first_and_last_reading_that_count() -> None:
    meter = gas_meter(installed_on=date(2015, 1, 1))
    history = [
        reading(date(2026, 3, 1), {"total": 1000}),
        reading(date(2026, 5, 1), {"total": 1100}),
        reading(date(2026, 9, 28), {"total": 1450}, source="customer", status="billed"),
    ]
    assert expected_daily(meter, history, TODAY, RULES) == Decimal(450) / Decimal(211)


def test_readings_that_do_not_count_or_are_old_or_of_another_meter_are_left_out() -> None:
    meter = gas_meter(installed_on=date(2015, 1, 1))
    history = [
        reading(date(2025, 1, 1), {"total": 10}),  # older than a year
        reading(date(2026, 6, 1), {"total": 1000}),
        reading(date(2026, 7, 1), {"total": 1030}),
        reading(date(2026, 8, 1), {"total": 9000}, source="customer", status="received"),
        reading(date(2026, 8, 2), {"total": 9000}, source="estimate", status="validated"),
        reading(date(2026, 9, 1), {"total": 9000}, serial="GM-OLD"),
    ]
    assert expected_daily(meter, history, TODAY, RULES) == Decimal(1)


def test_the_installation_is_a_point_of_history() -> None:
    meter = gas_meter(initial=100, installed_on=date(2026, 6, 1))
    history = [reading(date(2026, 7, 1), {"total": 250})]
    assert expected_daily(meter, history, TODAY, RULES) == Decimal(5)


def test_points_closer_than_two_weeks_say_nothing() -> None:
    meter = gas_meter(initial=100, installed_on=date(2026, 11, 20))
    history = [reading(date(2026, 11, 26), {"total": 900})]
    assert expected_daily(meter, history, TODAY, RULES) == RULES.default_daily_m3


# Judging.


def test_a_consumption_far_above_history_is_flagged_not_refused() -> None:
    meter = gas_meter(5)
    previous = (TODAY - timedelta(days=30), {"total": 1000})
    judgement = judge(meter, {"total": 1900}, previous, Decimal(4), TODAY, RULES)
    assert judgement.consumption == 900
    assert judgement.flagged
    assert not judgement.rolled_over
    assert judgement.flag_reason == "Consumo di 900 m³ in 30 giorni: atteso circa 120 m³"


def test_three_times_the_expectation_exactly_is_not_flagged() -> None:
    meter = gas_meter(5)
    previous = (TODAY - timedelta(days=30), {"total": 1000})
    judgement = judge(meter, {"total": 1360}, previous, Decimal(4), TODAY, RULES)
    assert (judgement.consumption, judgement.flagged, judgement.flag_reason) == (360, False, None)


def test_small_consumptions_are_never_flagged_whatever_history_says() -> None:
    meter = gas_meter(5)
    previous = (TODAY - timedelta(days=1), {"total": 1000})
    assert not judge(meter, {"total": 1030}, previous, Decimal("0.1"), TODAY, RULES).flagged
    assert judge(meter, {"total": 1031}, previous, Decimal("0.1"), TODAY, RULES).flagged


@given(
    start=st.integers(min_value=0, max_value=99_999),
    used=st.integers(min_value=0, max_value=50_000),
    days=st.integers(min_value=0, max_value=800),
    expected=st.decimals(min_value=0, max_value=50, places=2),
)
def test_judging_never_refuses_a_plausible_reading_and_flags_by_the_rule(
    start: int, used: int, days: int, expected: Decimal
) -> None:
    meter = gas_meter(5)
    later = {"total": (start + used) % meter.capacity}
    judgement = judge(
        meter, later, (TODAY - timedelta(days=days), {"total": start}), expected, TODAY, RULES
    )
    assert judgement.consumption == used
    threshold = max(Decimal(RULES.flag_minimum), RULES.flag_factor * expected * max(days, 1))
    assert judgement.flagged == (used > threshold)
    assert (judgement.flag_reason is not None) == judgement.flagged


# Identity and deadlines.

_VALUES = st.dictionaries(
    st.sampled_from(["total", "F1", "F2", "F3"]),
    st.integers(min_value=0, max_value=999_999_999_999),
    min_size=1,
)


@given(values=_VALUES, supply=st.text(min_size=1, max_size=20), serial=st.text(max_size=20))
def test_the_id_is_deterministic_whatever_the_order_of_the_registers(
    values: Values, supply: str, serial: str
) -> None:
    reordered = dict(reversed(list(values.items())))
    reading_id = reading_id_for(supply, serial, values)
    assert reading_id == reading_id_for(supply, serial, reordered)
    assert re.fullmatch(r"RDG-[0-9A-F]{20}", reading_id)
    assert re.fullmatch(r"^[A-Z]{3}-[0-9A-Za-z-]{6,80}$", reading_id)


@given(values=_VALUES, other=_VALUES)
def test_different_readings_have_different_ids(values: Values, other: Values) -> None:
    same = reading_id_for("GAS-1", "GM-1", values) == reading_id_for("GAS-1", "GM-1", other)
    assert same == (values == other)


def test_the_same_digits_on_another_supply_or_meter_are_another_reading() -> None:
    ids = {
        reading_id_for("GAS-1", "GM-1", {"total": 12}),
        reading_id_for("GAS-2", "GM-1", {"total": 12}),
        reading_id_for("GAS-1", "GM-2", {"total": 12}),
    }
    assert len(ids) == 3


def test_the_customer_learns_the_outcome_within_four_working_days() -> None:
    assert answer_by(date(2026, 11, 27), RULES) == date(2026, 12, 3)  # a Friday: Mon..Thu
    # 8 December (Immacolata) is skipped as a Sunday is.
    assert answer_by(date(2026, 12, 4), RULES) == date(2026, 12, 11)
    assert answer_by(date(2026, 11, 27), ReadingRules(receipt_working_days=1)) == date(2026, 11, 30)
