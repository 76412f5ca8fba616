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


class UnknownHashFormat(IdentityError):
    """An imported password hash in none of the older portal's known formats."""


class CustomerOfAnotherIdentity(IdentityError):
    """A customer code the back-office onboarded for another fiscal identity."""


class PasskeyChallengeInvalid(IdentityError):
    """The passkey's answer is to no challenge still open: unknown, used, expired or another's."""


class PasskeyNotVerified(IdentityError):
    """A new passkey's attestation does not verify (origin, RP ID, challenge, format...)."""


class PasskeyRefused(IdentityError):
    """A passkey's sign-in assertion does not verify, or names a credential nobody holds."""


class PasskeyCloned(IdentityError):
    """The assertion's signature count did not grow: the passkey was copied."""


class PasskeyTaken(IdentityError):
    """The credential is registered already (to this or another account)."""


class PasskeyNotFound(IdentityError):
    """No passkey of the caller's account has this id."""


class DeletionNotFound(IdentityError):
    """No deletion of the caller's account with this id awaits confirmation."""


class DeletionExpired(IdentityError):
    """The deletion was not confirmed in time: it must be asked again."""


class ReauthenticationFailed(IdentityError):
    """The password (or passkey) given to prove it is the user again is not the account's."""


class TooManyPasskeySignIns(MustWait):
    """Too many passkey sign-ins begun from the client's address this minute."""


class SessionNotFound(IdentityError):
    """No live session of the caller's has that id (another account's is not found either)."""


class NotPermitted(IdentityError):
    """An operators' action asked by someone who may not do it (subclasses say why)."""

    reason = "not_permitted"


class OperatorsOnly(NotPermitted):
    reason = "operators_only"


class SecondFactorEnrolmentRequired(NotPermitted):
    """An operator without TOTP may only enrol it: nothing else works until then."""

    reason = "second_factor_enrolment_required"


class PermissionMissing(NotPermitted):
    reason = "permission_missing"


class SecondFactorRequired(IdentityError):
    """The password was right; the log-in goes on with the challenge and a second factor."""

    def __init__(self, challenge: str, expires_in: int) -> None:
        super().__init__("second factor required")
        self.challenge = challenge
        self.expires_in = expires_in

    def __repr__(self) -> str:  # the challenge is a secret for its minutes
        return "SecondFactorRequired()"


class WrongSecondFactor(IdentityError):
    """A TOTP code that is wrong, used already, or a recovery code unknown or spent."""


class TooManySecondFactorAttempts(MustWait):
    pass


class ChallengeEnded(IdentityError):
    """The log-in's challenge is unknown, expired or used: start from the password again."""


class TotpAlreadyOn(IdentityError):
    pass


class TotpNotOn(IdentityError):
    """No TOTP to confirm, disable or regenerate codes for (or no enrolment started)."""


class TotpRequired(IdentityError):
    """Operators keep their TOTP: it is what their permissions stand on."""


class InvalidVatNumber(IdentityError):
    """Not a partita IVA with a right check digit."""


class AdministratorCodeInvalid(IdentityError):
    """No administrator code is this one (mistyped, or made up)."""


class AdministratorCodeUsed(IdentityError):
    pass


class AdministratorCodeExpired(IdentityError):
    pass


class AdministratorsOnly(NotPermitted):
    reason = "administrators_only"


class CondominiumHeld(IdentityError):
    """Another administrator holds the condominium."""


class CondominiumRegistered(IdentityError):
    """The condominium is a customer's account of its own."""


class CondominiumNotHeld(IdentityError):
    """The administrator holds no such condominium."""


class InvalidCursor(IdentityError):
    """A page cursor this service never gave (tampered with, or mistyped)."""


class TooManyAdministratorCodeAttempts(MustWait):
    """Too many made-up administrator codes from the client's address."""


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
