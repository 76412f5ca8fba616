"""TOTP and recovery codes, and operators' permissions: the rules, without any I/O."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from sportello_identity.domain import errors
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.operators import check_permitted, permissions_in_force
from sportello_identity.domain.second_factor import (
    matching_step,
    new_recovery_codes,
    otpauth_uri,
    recovery_digest,
    step_of,
)

NOW = datetime(2026, 12, 3, 10, 0, 5, tzinfo=UTC)
SECRET = "F2MA6ZP6TJFES5ZVZ55546HHWDNIRBZM"


def code_at(when: datetime) -> str:
    return pyotp.TOTP(SECRET).at(when)


def test_a_code_of_this_step_or_one_either_side_matches_and_says_its_step() -> None:
    for offset in (-1, 0, 1):
        when = NOW + timedelta(seconds=30 * offset)
        assert matching_step(SECRET, code_at(when), NOW, after_step=-1) == step_of(when)


def test_a_code_two_steps_away_is_refused() -> None:
    assert matching_step(SECRET, code_at(NOW - timedelta(seconds=60)), NOW, after_step=-1) is None
    assert matching_step(SECRET, code_at(NOW + timedelta(seconds=60)), NOW, after_step=-1) is None


def test_a_code_of_a_step_spent_already_or_earlier_is_a_replay() -> None:
    step = step_of(NOW)
    assert matching_step(SECRET, code_at(NOW), NOW, after_step=step) is None
    earlier = NOW - timedelta(seconds=30)
    assert matching_step(SECRET, code_at(earlier), NOW, after_step=step - 1) is None
    later = NOW + timedelta(seconds=30)
    assert matching_step(SECRET, code_at(later), NOW, after_step=step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_what_is_not_six_digits_matches_nothing(code: str) -> None:
    assert matching_step(SECRET, code, NOW, after_step=-1) is None


def test_the_uri_names_the_account_and_the_issuer() -> None:
    uri = otpauth_uri(SECRET, "mario.rossi", "Sportello")
    assert uri.startswith("otpauth://totp/Sportello:mario.rossi?")
    assert f"secret={SECRET}" in uri
    assert "issuer=Sportello" in uri


def test_recovery_codes_are_ten_distinct_and_read_however_typed() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == 10
    first = codes[0]
    assert recovery_digest(first) == recovery_digest(f" {first.upper().replace('-', ' ')} ")
    assert recovery_digest(first) != recovery_digest(codes[1])
    assert first not in recovery_digest(first)


OPERATOR = Account(
    account_id="op-1",
    username="op.uno",
    email="op@example.it",
    full_name="Operatore Uno",
    fiscal_code="",
    password_hash="h:x",
    registered_at=NOW,
    role="operator",
    permissions=("accounts.read",),
    totp_enabled=True,
)


def test_an_operator_acts_only_with_totp_on_and_within_its_permissions() -> None:
    check_permitted(OPERATOR, "accounts.read")
    with pytest.raises(errors.PermissionMissing):
        check_permitted(OPERATOR, "operators.manage")
    with pytest.raises(errors.SecondFactorEnrolmentRequired):
        check_permitted(replace(OPERATOR, totp_enabled=False), "accounts.read")
    for role in ("customer", "administrator"):
        with pytest.raises(errors.OperatorsOnly):
            check_permitted(replace(OPERATOR, role=role), "accounts.read")  # type: ignore[arg-type]
    with pytest.raises(errors.OperatorsOnly):
        check_permitted(None, "accounts.read")


def test_permissions_are_in_force_only_for_an_operator_with_totp() -> None:
    assert permissions_in_force(OPERATOR) == ("accounts.read",)
    assert permissions_in_force(replace(OPERATOR, totp_enabled=False)) == ()
    assert permissions_in_force(replace(OPERATOR, role="customer")) == ()
