"""The domain's errors reach callers as the same typed refusals as ever: codes are API."""

import pytest

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind, Refused
from sportello_identity.domain import errors
from sportello_identity.entrypoints.refusals import REFUSALS, refusal_for, refusing


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (errors.InvalidFiscalCode(), ErrorKind.INVALID, "invalid_fiscal_code"),
        (errors.TooManyPinAttempts(60), ErrorKind.TOO_MANY, "too_many_attempts"),
        (errors.WrongPin(), ErrorKind.INVALID, "registration_data_mismatch"),
        (errors.PinAlreadyUsed(), ErrorKind.CONFLICT, "pin_already_used"),
        (errors.UsernameTaken(), ErrorKind.CONFLICT, "username_taken"),
        (errors.EmailTaken(), ErrorKind.CONFLICT, "email_taken"),
        (errors.AlreadyRegistered(), ErrorKind.CONFLICT, "already_registered"),
        (errors.TooManyLogInAttempts(4), ErrorKind.TOO_MANY, "too_many_attempts"),
        (errors.AccountLocked(840), ErrorKind.TOO_MANY, "account_locked"),
        (errors.WrongCredentials(), ErrorKind.UNAUTHENTICATED, "wrong_credentials"),
        (errors.SessionEnded(), ErrorKind.UNAUTHENTICATED, "session_ended"),
        (errors.AccountNotFound(), ErrorKind.NOT_FOUND, "account_not_found"),
        (errors.HashingBusy(2), ErrorKind.UNAVAILABLE, "busy"),
    ],
)
def test_each_domain_error_has_its_refusal(
    error: errors.IdentityError, kind: ErrorKind, code: str
) -> None:
    refusal = refusal_for(error)
    assert (refusal.error.kind, refusal.error.code) == (kind, code)
    assert refusal.error.message


def test_every_domain_error_is_mapped() -> None:
    def every(error: type[errors.IdentityError]) -> set[type[errors.IdentityError]]:
        return {error, *(e for sub in error.__subclasses__() for e in every(sub))}

    mapped = {*REFUSALS, errors.WeakPassword, errors.MustWait}
    assert every(errors.IdentityError) - {errors.IdentityError} == mapped


@pytest.mark.parametrize(
    "error",
    [
        errors.TooManyPinAttempts(60),
        errors.TooManyLogInAttempts(4),
        errors.AccountLocked(840),
        errors.HashingBusy(2),
    ],
)
def test_every_refusal_to_try_later_says_when(error: errors.MustWait) -> None:
    refusal = refusal_for(error)
    assert refusal.error.kind in (ErrorKind.TOO_MANY, ErrorKind.UNAVAILABLE)
    assert refusal.error.details == {RETRY_AFTER: error.retry_after}


def test_a_locked_user_is_told_how_to_get_back_in() -> None:
    assert "«Password dimenticata?»" in refusal_for(errors.AccountLocked(840)).error.message


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
