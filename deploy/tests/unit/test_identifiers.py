"""What the back-office simulator refuses to publish: identifiers its records would not hold."""

import re

import pytest

from sportello_deploy.identifiers import (
    check_bill_number,
    check_customer_code,
    check_fiscal_code,
    check_iban,
    check_notice_position,
    check_pdr,
    check_pod,
    check_point,
    check_registration_pin,
    check_supply_id,
)
from sportello_deploy.testing import random_fiscal_code, random_vat_number


def test_a_codice_fiscale_and_a_partita_iva_with_their_check_characters_pass_compacted() -> None:
    assert check_fiscal_code(" rssmra80a01h501u ") == "RSSMRA80A01H501U"
    assert check_fiscal_code("RSS MRA 80A01 H501U") == "RSSMRA80A01H501U"
    assert check_fiscal_code("97123450583") == "97123450583"
    for _ in range(20):
        check_fiscal_code(random_fiscal_code())
        check_fiscal_code(random_vat_number())


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("RSSMRA80A01H501A", "not a valid codice fiscale: its check character does not match"),
        ("97123450584", "not a valid partita IVA: its check character does not match"),
        ("RSSMRA80Z01H501U", "not a valid codice fiscale: a character is out of place"),
        ("RSSMRA80A01H50", "a codice fiscale has 16 characters, a partita IVA 11 digits"),
        ("9712345058A", "a codice fiscale has 16 characters, a partita IVA 11 digits"),
    ],
)
def test_a_fiscal_code_that_does_not_check_is_refused_without_repeating_it(
    code: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$") as refused:
        check_fiscal_code(code)
    assert code not in str(refused.value)


def test_a_pdr_is_14_digits() -> None:
    assert check_pdr("0088 1234 5678 90") == "00881234567890"
    for wrong in ("0088123456789", "008812345678901", "0088123456789A"):
        with pytest.raises(ValueError, match="14 digits"):
            check_pdr(wrong)


def test_a_pod_is_it_a_distributor_code_e_and_8_or_9_characters() -> None:
    assert check_pod("it001e12345678") == "IT001E12345678"
    assert check_pod("IT012E123456789") == "IT012E123456789"
    for wrong in (
        "IT001E1234567",
        "IT001E1234567890",
        "FR001E12345678",
        "IT01E123456789",
        "IT001X12345678",
    ):
        with pytest.raises(ValueError, match="a POD is IT"):
            check_pod(wrong)


def test_a_registration_pin_is_8_digits_and_a_customer_code_6_to_16_letters_and_digits() -> None:
    assert check_registration_pin(" 48213907 ") == "48213907"
    assert check_customer_code("c00012345") == "C00012345"
    for pin in ("4821390", "482139071", "4821390a"):
        with pytest.raises(ValueError, match="8 digits"):
            check_registration_pin(pin)
    for code in ("C0001", "C000123456789012345", "C0001-2345"):
        with pytest.raises(ValueError, match="6 to 16 letters and digits"):
            check_customer_code(code)


def test_the_point_of_a_supply_is_a_pdr_for_gas_and_a_pod_for_electricity() -> None:
    assert check_point("gas", "0088 1234 5678 90") == "00881234567890"
    assert check_point("electricity", "it001e12345678") == "IT001E12345678"
    with pytest.raises(ValueError, match="a PDR is 14 digits"):
        check_point("gas", "IT001E12345678")
    with pytest.raises(ValueError, match="a POD is IT"):
        check_point("electricity", "00881234567890")


def test_an_iban_passes_compacted_when_its_format_and_check_digits_hold() -> None:
    assert check_iban("it60 x054 2811 1010 0000 0123 456") == "IT60X0542811101000000123456"
    assert check_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("IT60X0542811101000000123457", "not a valid IBAN: its check digits do not match"),
        ("IT60X054281110100000012345", "an Italian IBAN has 27 characters"),
        ("DE8937040044053201300", "not a valid IBAN: its check digits do not match"),
        ("XX60X0542811101000000123456", "not a valid IBAN"),
    ],
)
def test_an_iban_that_does_not_check_is_refused_without_repeating_it(
    iban: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}") as refused:
        check_iban(iban)
    assert iban not in str(refused.value)


def test_supply_ids_bill_numbers_and_notice_positions_have_the_contracts_shapes() -> None:
    assert check_supply_id(" fg10001 ") == "FG10001"
    assert check_bill_number("b202601-fg10001") == "B202601-FG10001"
    assert check_notice_position("0123456789012") == "0123456789012"
    for supply_id in ("FG1", "FG_10001", "F" * 31):
        with pytest.raises(ValueError, match="4 to 30 letters"):
            check_supply_id(supply_id)
    for number in ("-B2026", "B20", "B2026/01"):
        with pytest.raises(ValueError, match="4 to 30 letters"):
            check_bill_number(number)
    for position in ("012345678901", "01234567890123", "012345678901A"):
        with pytest.raises(ValueError, match="13 digits"):
            check_notice_position(position)
