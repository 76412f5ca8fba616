"""Why identity refuses: the domain's own exceptions; the entrypoints map them to refusals."""


class IdentityError(Exception):
    """A request identity refuses by its rules (never a failure of the service)."""


class InvalidFiscalCode(IdentityError):
    """Neither a codice fiscale nor a partita IVA with a right check digit."""


class WeakPassword(IdentityError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class TooManyPinAttempts(IdentityError):
    """The fiscal code is locked after too many wrong PINs in a row."""


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


class AccountLocked(IdentityError):
    """Too many wrong passwords in a row: log-in waits until the lock expires."""


class WrongCredentials(IdentityError):
    """Unknown username or wrong password (which one is never told)."""


class SessionEnded(IdentityError):
    """The refresh token is unknown, expired, spent, or its account is gone."""


class AccountNotFound(IdentityError):
    pass
