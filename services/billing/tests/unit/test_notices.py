"""pagoPA notice numbers: shape, check digits (mod 93) and the QR code payload."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sportello_billing.domain.notices import check_digits_valid, notice_number, qr_payload

segregation_codes = st.text(alphabet="0123456789", min_size=2, max_size=2)
positions = st.text(alphabet="0123456789", min_size=13, max_size=13)


def test_the_check_digits_are_the_remainder_of_the_first_sixteen_digits_by_93() -> None:
    # 3010000000012345 = 93 x 32365591397982 + 19
    assert notice_number("01", "0000000012345") == "301000000001234519"


def test_a_remainder_under_ten_is_written_on_two_digits() -> None:
    # 3000000000000004 = 93 x 32258064516129 + 7
    assert notice_number("00", "0000000000004") == "300000000000000407"


@given(segregation_codes, positions)
def test_every_notice_is_18_digits_with_the_aux_digit_and_segregation_code_and_valid_checks(
    segregation_code: str, position: str
) -> None:
    notice = notice_number(segregation_code, position)
    assert len(notice) == 18
    assert notice.isdigit()
    assert notice.startswith("3" + segregation_code + position)
    assert int(notice[16:]) == int(notice[:16]) % 93
    assert check_digits_valid(notice)


def test_no_single_digit_change_is_a_multiple_of_93() -> None:
    # Why every single-digit error is caught: 93 = 3 x 31 and gcd(10, 93) = 1, so 93 divides
    # d x 10^k only if it divides d, and |d| <= 9.
    assert all(d * 10**k % 93 != 0 for d in range(1, 10) for k in range(16))


@given(
    segregation_codes,
    positions,
    st.integers(min_value=0, max_value=15),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_digit_of_the_first_sixteen_is_detected(
    segregation_code: str, position: str, index: int, shift: int
) -> None:
    notice = notice_number(segregation_code, position)
    changed_digit = str((int(notice[index]) + shift) % 10)
    altered = notice[:index] + changed_digit + notice[index + 1 :]
    assert not check_digits_valid(altered)


@given(segregation_codes, positions, st.integers(min_value=1, max_value=14))
def test_swapping_two_adjacent_different_digits_is_detected(
    segregation_code: str, position: str, index: int
) -> None:
    # The swap changes the number by (a - b) x 9 x 10^k: a multiple of 3, never of 31.
    notice = notice_number(segregation_code, position)
    a, b = notice[index], notice[index + 1]
    assume(a != b)
    swapped = notice[:index] + b + a + notice[index + 2 :]
    assert not check_digits_valid(swapped)


@given(segregation_codes, positions, st.integers(min_value=0, max_value=99))
def test_any_other_check_digits_are_rejected(
    segregation_code: str, position: str, check: int
) -> None:
    notice = notice_number(segregation_code, position)
    other = notice[:16] + f"{check:02d}"
    assert check_digits_valid(other) == (other == notice)


@pytest.mark.parametrize(
    "notice",
    [
        "30100000000123451",  # 17 digits
        "3010000000012345190",  # 19 digits
        "30100000000123451A",
        "001000000001234519",  # another aux digit: not ours
        "",
    ],
)
def test_notices_of_the_wrong_shape_are_not_valid(notice: str) -> None:
    assert not check_digits_valid(notice)


@pytest.mark.parametrize(
    ("segregation_code", "position"),
    [
        ("1", "0000000012345"),
        ("012", "0000000012345"),
        ("AB", "0000000012345"),
        ("01", "000000012345"),
        ("01", "00000000123456"),
        ("01", "00000000l2345"),
    ],
)
def test_a_notice_needs_two_digits_of_segregation_code_and_thirteen_of_position(
    segregation_code: str, position: str
) -> None:
    with pytest.raises(ValueError, match="digits"):
        notice_number(segregation_code, position)


def test_the_qr_payload_is_pagopa_version_002_notice_creditor_and_cents() -> None:
    payload = qr_payload("301000000001234519", "01234567890", 12345)
    assert payload == "PAGOPA|002|301000000001234519|01234567890|12345"


def test_a_zero_amount_is_written_as_zero_cents() -> None:
    assert qr_payload("301000000001234519", "01234567890", 0).endswith("|0")


@pytest.mark.parametrize(
    ("notice", "creditor", "amount"),
    [
        ("301000000001234519", "01234567890", -1),
        ("301000000001234518", "01234567890", 100),  # wrong check digits
        ("30100000000123451", "01234567890", 100),
        ("301000000001234519", "0123456789", 100),
        ("301000000001234519", "0123456789A", 100),
        ("301000000001234519", "RSSMRA85T10A562S", 100),  # a person's codice fiscale
    ],
)
def test_the_qr_payload_refuses_negative_amounts_and_malformed_numbers(
    notice: str, creditor: str, amount: int
) -> None:
    with pytest.raises(ValueError, match=r"notice|creditor|amount"):
        qr_payload(notice, creditor, amount)
