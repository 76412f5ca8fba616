"""What makes a password acceptable."""

import pytest

from sportello_identity.domain.passwords import BREACHED, is_breached, password_problems


def test_a_long_varied_password_is_accepted() -> None:
    assert password_problems("Girasole-di-Marzo-26", username="anna", fiscal_code="X") == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Corta-1", "almeno 10 caratteri"),
        ("solominuscole", "tre tipi di carattere"),
        ("x" * 120 + "Aa1-" * 3, "non può superare 128"),
        ("Mario.Rossi-2026", "nome utente"),
        ("RSSMRA80A01H501U-x", "codice fiscale"),
        ("Password2026!", "troppo comune"),
    ],
)
def test_each_rule_names_its_reason(password: str, expected: str) -> None:
    problems = password_problems(password, username="mario.rossi", fiscal_code="RSSMRA80A01H501U")
    assert any(expected in p for p in problems), problems


def test_every_broken_rule_is_reported_at_once() -> None:
    assert len(password_problems("abc", username="anna", fiscal_code="X")) == 2


@pytest.mark.parametrize(
    "password",
    [
        "Qwertyuiop",  # on zxcvbn's list of breached passwords, whatever its case
        "1234567890",
        "Iloveyou12",
        "Password2026!",  # a breached one padded with digits and symbols to pass the classes
        "Monkey!!!!2026",
    ],
)
def test_a_breached_password_is_refused_in_any_case_and_padded(password: str) -> None:
    problems = password_problems(password, username="anna", fiscal_code="X")
    assert "è troppo comune: compare tra le password più usate e trapelate" in problems


def test_the_breached_list_is_zxcvbns_30000() -> None:
    assert len(BREACHED) == 30000
    assert is_breached("DRAGON")
    assert not is_breached("Girasole-di-Marzo-26")


@pytest.mark.parametrize("password", ["Aaaaaaaaaa1!", "1q2w3e4r5t!A"])
def test_a_predictable_password_not_on_the_list_is_refused_by_its_strength(
    password: str,
) -> None:
    # A repeat, a keyboard walk: patterns zxcvbn scores below 3.
    problems = password_problems(password, username="anna", fiscal_code="X")
    assert problems == ["è troppo facile da indovinare"]


def test_a_password_longer_than_zxcvbn_judges_is_judged_by_the_other_rules() -> None:
    assert password_problems("Lungo-" * 15 + "1", username="anna", fiscal_code="X") == []
