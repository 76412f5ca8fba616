"""IBANs: validated with python-stdnum, SEPA countries only, masked wherever they are shown."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from sportello_billing.domain.ibans import (
    SEPA_COUNTRIES,
    InvalidIban,
    mask_iban,
    mask_in_text,
    normalise_iban,
)

ITALIAN = "IT60X0542811101000000123456"


def italian_iban(cin: str, abi: str, cab: str, account: str) -> str:
    bban = cin + abi + cab + account
    return "IT" + stdnum_iban.calc_check_digits("IT00" + bban) + bban


italian_ibans = st.builds(
    italian_iban,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.text(alphabet="0123456789", min_size=5, max_size=5),
    st.text(alphabet="0123456789", min_size=5, max_size=5),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12),
)


@pytest.mark.parametrize(
    "raw",
    [
        ITALIAN,
        "it60x0542811101000000123456",
        " IT60 X054 2811 1010 0000 0123 456 ",
        "IT60\tX054281110 1000000123456",
    ],
)
def test_an_iban_typed_with_spaces_or_in_lower_case_is_stored_compact_and_upper_case(
    raw: str,
) -> None:
    assert normalise_iban(raw) == ITALIAN


@pytest.mark.parametrize(
    "valid",
    [
        "DE89370400440532013000",
        "GB29NWBK60161331926819",
        "CH9300762011623852957",
        "FR1420041010050500013M02606",
        "SM86U0322509800000000270100",
        "NO9386011117947",
    ],
)
def test_ibans_of_other_sepa_countries_are_accepted(valid: str) -> None:
    assert normalise_iban(valid) == valid


@given(italian_ibans)
def test_every_italian_iban_with_right_check_digits_is_accepted(iban: str) -> None:
    assert normalise_iban(iban.lower()) == iban


def test_a_wrong_check_digit_is_refused_in_italian() -> None:
    with pytest.raises(InvalidIban, match="IBAN non valido: le cifre di controllo"):
        normalise_iban("IT61X0542811101000000123456")


def test_a_mistyped_account_digit_is_refused() -> None:
    with pytest.raises(InvalidIban, match="IBAN non valido"):
        normalise_iban("IT60X0542811101000000123457")


def test_an_iban_outside_sepa_is_refused_even_with_right_check_digits() -> None:
    brazilian = "BR1800360305000010009795493C1"
    assert stdnum_iban.is_valid(brazilian)
    with pytest.raises(InvalidIban, match="area SEPA"):
        normalise_iban(brazilian)


@pytest.mark.parametrize("raw", ["", "IT", "not an iban at all", "IT60X05428111010000001234"])
def test_malformed_ibans_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIban, match="IBAN non valido"):
        normalise_iban(raw)


def test_an_invalid_iban_is_a_value_error_the_gateway_can_map() -> None:
    assert issubclass(InvalidIban, ValueError)


def test_the_sepa_list_holds_italy_and_its_neighbours_not_overseas_countries() -> None:
    assert {"IT", "SM", "VA", "CH", "FR", "AT", "SI", "GB", "NO"} <= SEPA_COUNTRIES
    assert not {"US", "BR", "TR", "AE"} & SEPA_COUNTRIES
    assert len(SEPA_COUNTRIES) == 42  # the EPC's 41 countries and Gibraltar


def test_an_italian_iban_is_masked_in_groups_of_four_but_country_and_last_four() -> None:
    assert mask_iban(ITALIAN) == "IT** **** **** **** **** ***3 456"


def test_the_mask_is_the_same_however_the_iban_was_typed() -> None:
    assert mask_iban(" it60 x054 2811 1010 0000 0123 456") == mask_iban(ITALIAN)


@given(italian_ibans)
def test_a_mask_shows_nothing_but_the_country_code_and_the_last_four_characters(
    iban: str,
) -> None:
    masked = mask_iban(iban)
    visible = masked.replace(" ", "").replace("*", "")
    assert visible == iban[:2] + iban[-4:]
    assert masked.replace(" ", "").startswith(iban[:2])
    assert masked.replace(" ", "").endswith(iban[-4:])
    assert len(masked.replace(" ", "")) == len(iban)


@pytest.mark.parametrize("short", ["", "IT60", "IT60X05428111"])
def test_anything_too_short_to_be_an_iban_is_masked_whole(short: str) -> None:
    assert set(mask_iban(short)) <= {"*"}
    assert len(mask_iban(short)) == len(short)


def test_ibans_in_a_log_line_are_masked_however_they_are_written() -> None:
    line = (
        "direct debit for C00010002: IT60X0542811101000000123456, was "
        "it60 x054 2811 1010 0000 0123 456; bank DE89 3704 0044 0532 0130 00."
    )
    masked = mask_in_text(line)
    assert masked == (
        "direct debit for C00010002: IT** **** **** **** **** ***3 456, was "
        "IT** **** **** **** **** ***3 456; bank DE** **** **** **** **30 00."
    )


def test_a_mistyped_italian_iban_in_a_log_line_is_masked_too() -> None:
    masked = mask_in_text("refused IBAN IT61X0542811101000000123456 (checksum)")
    assert masked == "refused IBAN IT** **** **** **** **** ***3 456 (checksum)"


def test_other_codes_in_a_log_line_are_left_alone() -> None:
    line = "bill FT2026000123 of supply SUP-0042, point IT001E12345678, customer C00010002"
    assert mask_in_text(line) == line


@given(italian_ibans, st.text(alphabet=" abcdefghijklmnopqrstuvwxyz.,:;", max_size=30))
def test_no_italian_iban_survives_masking_of_a_text(iban: str, around: str) -> None:
    masked = mask_in_text(f"{around} {iban} {around}")
    assert iban not in masked
    assert iban[4:-4] not in masked
