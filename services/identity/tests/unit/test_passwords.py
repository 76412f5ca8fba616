"""What makes a password acceptable."""

import pytest

from sportello_identity.domain.passwords import password_problems


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
