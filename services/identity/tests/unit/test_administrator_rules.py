"""Administrator codes and holding condominiums: the rules, without any I/O."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sportello_identity.domain import errors
from sportello_identity.domain.accounts import Customer
from sportello_identity.domain.administrators import (
    AdministratorCode,
    administrator_code_key,
    check_code_usable,
    check_vat_number,
    held_already,
    new_administrator_code,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
CODE = AdministratorCode(
    key="k",
    firm_name="Studio",
    vat_number="01114601006",
    email="s@example.it",
    issued_by="op-1",
    expires_at=NOW + timedelta(days=14),
)
CONDOMINIUM = Customer("C00010005", "97123450583", "Condominio", "c@example.it", "h:1")


def test_codes_are_random_and_read_however_typed() -> None:
    code = new_administrator_code()
    assert code.startswith("AMM-")
    assert len(code) == len("AMM-XXXX-XXXX-XXXX")
    assert new_administrator_code() != code
    typed = " " + code.lower().replace("-", " ") + " "
    assert administrator_code_key(typed) == administrator_code_key(code)
    assert code not in administrator_code_key(code)


def test_a_code_is_usable_once_and_until_it_expires() -> None:
    check_code_usable(CODE, NOW)
    with pytest.raises(errors.AdministratorCodeUsed):
        check_code_usable(replace(CODE, used_by="adm-1"), NOW)
    with pytest.raises(errors.AdministratorCodeExpired):
        check_code_usable(CODE, CODE.expires_at)


def test_the_vat_number_check_digit_is_verified() -> None:
    check_vat_number("01114601006")
    with pytest.raises(errors.InvalidVatNumber):
        check_vat_number("01114601007")


def test_a_condominium_is_free_held_by_this_administrator_or_refused() -> None:
    assert held_already(CONDOMINIUM, "adm-1") is False
    assert held_already(replace(CONDOMINIUM, administrator_id="adm-1"), "adm-1") is True
    with pytest.raises(errors.CondominiumHeld):
        held_already(replace(CONDOMINIUM, administrator_id="adm-2"), "adm-1")
    with pytest.raises(errors.CondominiumRegistered):
        held_already(replace(CONDOMINIUM, account_id="acc-1"), "adm-1")
