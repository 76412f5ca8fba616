"""Why identity refuses: the domain's own exceptions; the entrypoints map them to refusals."""


class IdentityError(Exception):
    """A request identity refuses by its rules (never a failure of the service)."""


class InvalidFiscalCode(IdentityError):
    """Neither a codice fiscale nor a partita IVA with a right check digit."""


class WeakPassword(IdentityError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class MustWait(IdentityError):
    """Refused for now: the caller may try again in `retry_after` whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class TooManyPinAttempts(MustWait):
    """Too many wrong PINs for the fiscal code (or guesses from the client's address)."""


class WrongPin(IdentityError):
    """The PIN matches no customer of the fiscal code (or the fiscal code is no customer)."""


class PinAlreadyUsed(IdentityError):
    """A PIN registers one account, once."""


class UsernameTaken(IdentityError):
    pass


class EmailTaken(IdentityError):
    pass


class AlreadyRegistered(IdentityError):
    """The fiscal identity has an account already."""


class TooManyLogInAttempts(MustWait):
    """Wrong passwords for the username (or guesses from the address): the next one must wait."""


class AccountLocked(MustWait):
    """So many wrong passwords for the username that it is locked for minutes.

    Said alike of a username that exists and of one that does not.
    """


class WrongCredentials(IdentityError):
    """Unknown username or wrong password (which one is never told)."""


class SessionEnded(IdentityError):
    """The refresh token is unknown, expired, spent, or its account is gone."""


class AccountNotFound(IdentityError):
    pass


class HashingBusy(MustWait):
    """Every password-hashing slot stayed taken for longer than a request may wait."""


class TooManyRecoveryRequests(MustWait):
    """Too many lost-password requests for the address (or from the client's address)."""


class LinkInvalid(IdentityError):
    """A reset or confirmation link that is unknown, expired, used, or replaced by a newer one."""


class WrongCurrentPassword(IdentityError):
    """A change of password with a current password that is not the account's."""


class TooManyCodesSent(MustWait):
    """Too many codes texted to the number (or asked for by the account) lately."""


class CodeInvalid(IdentityError):
    """A phone code that is wrong, expired, or none is waiting to be entered."""


class CodeAttemptsExhausted(IdentityError):
    """So many wrong codes that the code is void: a new one must be asked for."""


class PhoneRequired(IdentityError):
    """Texts or calls asked for as the way to be contacted, with no confirmed mobile number."""
