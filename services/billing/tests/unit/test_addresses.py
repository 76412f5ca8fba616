"""Postal addresses: Italian provinces and CAPs only, and one key per delivery."""

import pytest

from sportello_billing.domain.addresses import (
    CURRENT_PROVINCES,
    PROVINCES,
    InvalidAddress,
    address_key,
    check_postal_address,
)
from sportello_contracts.supplies import PostalAddress


def address(**changes: str | None) -> PostalAddress:
    fields: dict[str, str | None] = {
        "street": "Via Roma",
        "number": "12",
        "post_code": "00184",
        "city": "Roma",
        "province": "RM",
    }
    fields.update(changes)
    return PostalAddress.model_validate(fields)


def test_a_valid_address_comes_back_with_its_whitespace_collapsed() -> None:
    typed = address(
        street="Via   Giuseppe\tGaribaldi ",
        city="Reggio  Emilia",
        province="RE",
        number="3 / B",
        post_code="42121",
        recipient="c/o  Studio  Bianchi",
    )
    checked = check_postal_address(typed)
    assert checked.street == "Via Giuseppe Garibaldi"
    assert checked.city == "Reggio Emilia"
    assert checked.number == "3 / B"
    assert checked.recipient == "c/o Studio Bianchi"
    assert (checked.post_code, checked.province, checked.country) == ("42121", "RE", "IT")


@pytest.mark.parametrize("province", ["RM", "MI", "TO", "NA", "BT", "SU", "MB", "FM", "VV", "AO"])
def test_current_provinces_and_metropolitan_cities_are_accepted(province: str) -> None:
    assert check_postal_address(address(province=province)).province == province


def test_the_list_holds_all_107_current_provinces() -> None:
    assert len(CURRENT_PROVINCES) == 107
    assert all(len(sigla) == 2 and sigla.isupper() for sigla in PROVINCES)


@pytest.mark.parametrize("province", ["XX", "ZZ", "FO", "PS", "EE"])
def test_a_sigla_that_is_no_province_is_refused_naming_the_field(province: str) -> None:
    with pytest.raises(InvalidAddress, match="Provincia non valida") as refused:
        check_postal_address(address(province=province))
    assert refused.value.field == "province"
    assert province in refused.value.message


@pytest.mark.parametrize("post_code", ["00010", "20121", "98168"])
def test_caps_from_00010_to_98168_are_accepted(post_code: str) -> None:
    assert check_postal_address(address(post_code=post_code)).post_code == post_code


@pytest.mark.parametrize("post_code", ["00000", "00009", "98169", "99999"])
def test_a_cap_outside_the_italian_range_is_refused_naming_the_field(post_code: str) -> None:
    with pytest.raises(InvalidAddress, match="CAP non valido") as refused:
        check_postal_address(address(post_code=post_code))
    assert refused.value.field == "post_code"


def test_an_invalid_address_is_a_value_error() -> None:
    assert issubclass(InvalidAddress, ValueError)


def test_an_address_typed_differently_is_the_same_delivery() -> None:
    assert address_key(address(street="Via Roma", number="12")) == address_key(
        address(street="via  roma,", number=" 12", city="ROMA")
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"street": "V.le Europa"}, {"street": "Viale Europa"}),
        ({"street": "P.zza Duomo"}, {"street": "piazza duomo"}),
        ({"street": "C.so Vittorio Emanuele II"}, {"street": "Corso Vittorio Emanuele II"}),
        ({"number": "12/A"}, {"number": "12 a"}),
        (
            {"city": "Forlì", "province": "FC", "post_code": "47121"},
            {"city": "FORLI'", "province": "FC", "post_code": "47121"},
        ),
        ({"street": "Via dell'Orso"}, {"street": "via dell orso"}),
        ({"recipient": "c/o Studio Bianchi"}, {"recipient": "C/O studio bianchi"}),
    ],
)
def test_abbreviations_accents_and_punctuation_do_not_make_a_new_delivery(
    one: dict[str, str], other: dict[str, str]
) -> None:
    assert address_key(address(**one)) == address_key(address(**other))


@pytest.mark.parametrize(
    "changes",
    [
        {"number": "14"},
        {"street": "Via Romagna"},
        {"post_code": "00185"},
        {"city": "Fiumicino"},
        {"province": "LT"},
        {"recipient": "c/o Studio Bianchi"},
    ],
)
def test_a_different_street_number_cap_city_province_or_recipient_is_another_delivery(
    changes: dict[str, str],
) -> None:
    assert address_key(address(**changes)) != address_key(address())


def test_a_word_starting_like_an_abbreviation_is_not_expanded() -> None:
    assert address_key(address(street="Vicenza")) != address_key(address(street="Via Cenza"))
