"""The domain's errors reach callers as the same typed refusals as ever: codes are API."""

import pytest

from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.domain import errors
from sportello_identity.entrypoints.refusals import REFUSALS, refusal_for, refusing


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (errors.InvalidFiscalCode(), ErrorKind.INVALID, "invalid_fiscal_code"),
        (errors.TooManyPinAttempts(), ErrorKind.TOO_MANY, "too_many_attempts"),
        (errors.WrongPin(), ErrorKind.INVALID, "registration_data_mismatch"),
        (errors.PinAlreadyUsed(), ErrorKind.CONFLICT, "pin_already_used"),
        (errors.UsernameTaken(), ErrorKind.CONFLICT, "username_taken"),
        (errors.EmailTaken(), ErrorKind.CONFLICT, "email_taken"),
        (errors.AlreadyRegistered(), ErrorKind.CONFLICT, "already_registered"),
        (errors.AccountLocked(), ErrorKind.TOO_MANY, "account_locked"),
        (errors.WrongCredentials(), ErrorKind.UNAUTHENTICATED, "wrong_credentials"),
        (errors.SessionEnded(), ErrorKind.UNAUTHENTICATED, "session_ended"),
        (errors.AccountNotFound(), ErrorKind.NOT_FOUND, "account_not_found"),
    ],
)
def test_each_domain_error_has_its_refusal(
    error: errors.IdentityError, kind: ErrorKind, code: str
) -> None:
    refusal = refusal_for(error)
    assert (refusal.error.kind, refusal.error.code) == (kind, code)
    assert refusal.error.message


def test_every_domain_error_is_mapped() -> None:
    mapped = {*REFUSALS, errors.WeakPassword}
    assert set(errors.IdentityError.__subclasses__()) == mapped


def test_a_weak_password_refusal_lists_every_problem() -> None:
    refusal = refusal_for(errors.WeakPassword(["a", "b"]))
    assert refusal.error.code == "weak_password"
    assert refusal.error.message == "La password non rispetta i requisiti: a; b."
    assert refusal.error.details == {"problems": ["a", "b"]}


def test_refusing_turns_a_domain_error_into_its_refusal_and_lets_others_through() -> None:
    with pytest.raises(Refused) as refused, refusing():
        raise errors.UsernameTaken()
    assert refused.value.error.code == "username_taken"
    with pytest.raises(KeyError), refusing():
        raise KeyError("a bug stays a bug")
