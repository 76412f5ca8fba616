"""The domain's errors as the typed refusals callers see: codes, kinds and messages are API."""

from collections.abc import Iterator
from contextlib import contextmanager

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind, Refused
from sportello_identity.domain.errors import (
    AccountLocked,
    AccountNotFound,
    AlreadyRegistered,
    CodeAttemptsExhausted,
    CodeInvalid,
    EmailTaken,
    HashingBusy,
    IdentityError,
    InvalidFiscalCode,
    LinkInvalid,
    MustWait,
    PhoneRequired,
    PinAlreadyUsed,
    SessionEnded,
    TooManyCodesSent,
    TooManyLogInAttempts,
    TooManyPinAttempts,
    TooManyRecoveryRequests,
    UsernameTaken,
    WeakPassword,
    WrongCredentials,
    WrongCurrentPassword,
    WrongPin,
)

REFUSALS: dict[type[IdentityError], tuple[ErrorKind, str, str]] = {
    InvalidFiscalCode: (
        ErrorKind.INVALID,
        "invalid_fiscal_code",
        "Il codice fiscale o la partita IVA non sono validi.",
    ),
    TooManyPinAttempts: (
        ErrorKind.TOO_MANY,
        "too_many_attempts",
        "Troppi tentativi con un PIN errato. Riprova più tardi.",
    ),
    WrongPin: (
        ErrorKind.INVALID,
        "registration_data_mismatch",
        "Codice fiscale e PIN di registrazione non corrispondono.",
    ),
    PinAlreadyUsed: (
        ErrorKind.CONFLICT,
        "pin_already_used",
        "Questo PIN è già stato usato per una registrazione. Se non ricordi le credenziali "
        "usa «Password dimenticata?».",
    ),
    UsernameTaken: (ErrorKind.CONFLICT, "username_taken", "Questo nome utente è già in uso."),
    EmailTaken: (
        ErrorKind.CONFLICT,
        "email_taken",
        "Questo indirizzo e-mail è già usato da un altro account: ogni registrazione "
        "richiede un indirizzo diverso.",
    ),
    AlreadyRegistered: (
        ErrorKind.CONFLICT,
        "already_registered",
        "Esiste già un account per questo codice fiscale.",
    ),
    TooManyLogInAttempts: (
        ErrorKind.TOO_MANY,
        "too_many_attempts",
        "Troppi tentativi di accesso non riusciti. Attendi qualche secondo prima di riprovare.",
    ),
    AccountLocked: (
        ErrorKind.TOO_MANY,
        "account_locked",
        "Troppi tentativi di accesso non riusciti: l'accesso è sospeso per qualche minuto. "
        "Per rientrare subito usa «Password dimenticata?» e scegli una nuova password.",
    ),
    WrongCredentials: (
        ErrorKind.UNAUTHENTICATED,
        "wrong_credentials",
        "Nome utente o password non corretti.",
    ),
    SessionEnded: (
        ErrorKind.UNAUTHENTICATED,
        "session_ended",
        "La sessione è terminata: accedi di nuovo.",
    ),
    AccountNotFound: (ErrorKind.NOT_FOUND, "account_not_found", "Account non trovato."),
    HashingBusy: (
        ErrorKind.UNAVAILABLE,
        "busy",
        "Il servizio è molto richiesto in questo momento. Riprova tra qualche secondo.",
    ),
    TooManyRecoveryRequests: (
        ErrorKind.TOO_MANY,
        "too_many_requests",
        "Hai già chiesto più volte il recupero delle credenziali: controlla la posta (anche "
        "la cartella dello spam) e riprova più tardi.",
    ),
    LinkInvalid: (
        ErrorKind.INVALID,
        "link_invalid",
        "Il link non è valido: è scaduto, è già stato usato oppure ne è stato inviato uno più "
        "recente. Chiedine uno nuovo.",
    ),
    TooManyCodesSent: (
        ErrorKind.TOO_MANY,
        "too_many_requests",
        "Abbiamo già inviato più codici a questo numero: attendi prima di chiederne un altro.",
    ),
    CodeInvalid: (
        ErrorKind.INVALID,
        "code_invalid",
        "Il codice non è corretto o è scaduto. Controlla l'SMS o chiedi un nuovo codice.",
    ),
    CodeAttemptsExhausted: (
        ErrorKind.INVALID,
        "code_attempts_exhausted",
        "Troppi codici errati: questo codice non vale più. Chiedi un nuovo codice.",
    ),
    PhoneRequired: (
        ErrorKind.INVALID,
        "phone_required",
        "Per essere contattato via SMS o per telefono conferma prima un numero di cellulare.",
    ),
    WrongCurrentPassword: (
        ErrorKind.INVALID,
        "wrong_current_password",
        "La password attuale non è corretta.",
    ),
}


def refusal_for(error: IdentityError) -> Refused:
    if isinstance(error, WeakPassword):
        return Refused(
            ErrorKind.INVALID,
            "weak_password",
            "La password non rispetta i requisiti: " + "; ".join(error.problems) + ".",
            {"problems": list(error.problems)},
        )
    kind, code, message = REFUSALS[type(error)]
    if isinstance(error, MustWait):
        # Every 429 and 503 says when to try again (the gateway's `Retry-After`).
        return Refused(kind, code, message, {RETRY_AFTER: error.retry_after})
    return Refused(kind, code, message)


@contextmanager
def refusing() -> Iterator[None]:
    """Answer the domain's errors raised inside with their typed refusal."""
    try:
        yield
    except IdentityError as error:
        raise refusal_for(error) from None
