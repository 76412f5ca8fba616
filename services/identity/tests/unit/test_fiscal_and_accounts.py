"""Fiscal identities and the registration rules."""

import pytest

from sportello_deploy.testing import random_fiscal_code, random_vat_number
from sportello_identity.domain.accounts import Customer, check_pin_unused
from sportello_identity.domain.errors import InvalidFiscalCode, PinAlreadyUsed
from sportello_identity.domain.fiscal import check_fiscal_code, is_valid_fiscal_code


def test_codici_fiscali_and_partite_iva_with_their_check_digit_are_valid() -> None:
    assert is_valid_fiscal_code("RSSMRA80A01H501U")
    assert is_valid_fiscal_code("97123450583")
    for _ in range(50):
        assert is_valid_fiscal_code(random_fiscal_code())
        assert is_valid_fiscal_code(random_vat_number())


@pytest.mark.parametrize("code", ["RSSMRA80A01H501A", "97123450584", "RSSMRA80A01H501", "0" * 11])
def test_a_wrong_check_digit_or_shape_is_invalid(code: str) -> None:
    assert not is_valid_fiscal_code(code)
    with pytest.raises(InvalidFiscalCode):
        check_fiscal_code(code)


def _customer(account_id: str | None) -> Customer:
    return Customer("C00000001", "RSSMRA80A01H501U", "Mario Rossi", "m@example.it", "h", account_id)


def test_an_unused_pin_may_register() -> None:
    check_pin_unused([_customer(None)])


def test_a_used_pin_is_refused() -> None:
    with pytest.raises(PinAlreadyUsed):
        check_pin_unused([_customer(None), _customer("acc-1")])
