"""The domain's errors as the typed refusals callers see: codes, kinds and messages are API."""

from collections.abc import Iterator
from contextlib import contextmanager

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind, Refused
from sportello_contracts.second_factor import SECOND_FACTOR_REQUIRED
from sportello_identity.domain.errors import (
    AccountLocked,
    AccountNotFound,
    AdministratorCodeExpired,
    AdministratorCodeInvalid,
    AdministratorCodeUsed,
    AdministratorsOnly,
    AlreadyRegistered,
    ChallengeEnded,
    CodeAttemptsExhausted,
    CodeInvalid,
    CondominiumHeld,
    CondominiumNotHeld,
    CondominiumRegistered,
    CustomerOfAnotherIdentity,
    DeletionExpired,
    DeletionNotFound,
    EmailTaken,
    HashingBusy,
    IdentityError,
    InvalidCursor,
    InvalidFiscalCode,
    InvalidVatNumber,
    LinkInvalid,
    MustWait,
    NotPermitted,
    OperatorsOnly,
    PasskeyChallengeInvalid,
    PasskeyCloned,
    PasskeyNotFound,
    PasskeyNotVerified,
    PasskeyRefused,
    PasskeyTaken,
    PermissionMissing,
    PhoneRequired,
    PinAlreadyUsed,
    ReauthenticationFailed,
    SecondFactorEnrolmentRequired,
    SecondFactorRequired,
    SessionEnded,
    SessionNotFound,
    TooManyAdministratorCodeAttempts,
    TooManyCodesSent,
    TooManyLogInAttempts,
    TooManyPasskeySignIns,
    TooManyPinAttempts,
    TooManyRecoveryRequests,
    TooManySecondFactorAttempts,
    TotpAlreadyOn,
    TotpNotOn,
    TotpRequired,
    UnknownHashFormat,
    UsernameTaken,
    WeakPassword,
    WrongCredentials,
    WrongCurrentPassword,
    WrongPin,
    WrongSecondFactor,
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
    UnknownHashFormat: (
        ErrorKind.INVALID,
        "unknown_hash_format",
        "L'hash della password non è in un formato riconosciuto (bcrypt, PBKDF2-SHA256, "
        "SHA-1 o MD5 esadecimale).",
    ),
    CustomerOfAnotherIdentity: (
        ErrorKind.INVALID,
        "customer_code_mismatch",
        "Uno dei codici cliente appartiene a un altro codice fiscale.",
    ),
    PasskeyChallengeInvalid: (
        ErrorKind.INVALID,
        "passkey_challenge_invalid",
        "La richiesta della passkey è scaduta o è già stata usata: ricomincia dall'inizio.",
    ),
    PasskeyNotVerified: (
        ErrorKind.INVALID,
        "passkey_not_verified",
        "Non è stato possibile verificare la nuova passkey. Riprova.",
    ),
    PasskeyRefused: (
        ErrorKind.UNAUTHENTICATED,
        "passkey_refused",
        "Accesso con passkey non riuscito: la passkey non è valida per questo sito.",
    ),
    PasskeyCloned: (
        ErrorKind.UNAUTHENTICATED,
        "passkey_cloned",
        "Questa passkey sembra essere stata copiata e non può essere usata. Accedi con la "
        "password e rimuovila dal tuo profilo.",
    ),
    PasskeyTaken: (
        ErrorKind.CONFLICT,
        "passkey_already_registered",
        "Questa passkey è già registrata.",
    ),
    PasskeyNotFound: (ErrorKind.NOT_FOUND, "passkey_not_found", "Passkey non trovata."),
    TooManyPasskeySignIns: (
        ErrorKind.TOO_MANY,
        "too_many_attempts",
        "Troppi accessi con passkey avviati da questo indirizzo. Riprova tra poco.",
    ),
    DeletionNotFound: (
        ErrorKind.NOT_FOUND,
        "deletion_not_found",
        "Nessuna richiesta di cancellazione da confermare con questo identificativo.",
    ),
    DeletionExpired: (
        ErrorKind.INVALID,
        "deletion_expired",
        "Il tempo per confermare la cancellazione è scaduto: richiedila di nuovo.",
    ),
    ReauthenticationFailed: (
        ErrorKind.FORBIDDEN,
        "reauthentication_failed",
        "La password o la passkey non corrispondono a questo account.",
    ),
    SessionNotFound: (ErrorKind.NOT_FOUND, "session_not_found", "Sessione non trovata."),
    # Operators and second factors
    NotPermitted: (
        ErrorKind.FORBIDDEN,
        NotPermitted.reason,
        "Non puoi eseguire questa operazione.",
    ),
    OperatorsOnly: (
        ErrorKind.FORBIDDEN,
        OperatorsOnly.reason,
        "Questa operazione è riservata agli operatori.",
    ),
    SecondFactorEnrolmentRequired: (
        ErrorKind.FORBIDDEN,
        SecondFactorEnrolmentRequired.reason,
        "Prima di operare attiva la verifica in due passaggi (TOTP) dal tuo profilo.",
    ),
    PermissionMissing: (
        ErrorKind.FORBIDDEN,
        PermissionMissing.reason,
        "Non hai il permesso per questa operazione.",
    ),
    SecondFactorRequired: (
        ErrorKind.UNAUTHENTICATED,
        SECOND_FACTOR_REQUIRED,
        "Password corretta: inserisci il codice dell'app di autenticazione o un codice di "
        "recupero.",
    ),
    WrongSecondFactor: (
        ErrorKind.INVALID,
        "wrong_second_factor",
        "Il codice non è corretto, è scaduto o è già stato usato.",
    ),
    TooManySecondFactorAttempts: (
        ErrorKind.TOO_MANY,
        "too_many_attempts",
        "Troppi codici errati. Attendi prima di riprovare.",
    ),
    ChallengeEnded: (
        ErrorKind.UNAUTHENTICATED,
        "challenge_ended",
        "L'accesso è scaduto o è già stato completato: inserisci di nuovo nome utente e password.",
    ),
    TotpAlreadyOn: (
        ErrorKind.CONFLICT,
        "totp_already_enabled",
        "La verifica in due passaggi è già attiva.",
    ),
    TotpNotOn: (
        ErrorKind.CONFLICT,
        "totp_not_enabled",
        "La verifica in due passaggi non è attiva (o l'attivazione non è stata avviata).",
    ),
    TotpRequired: (
        ErrorKind.CONFLICT,
        "totp_required",
        "Per gli operatori la verifica in due passaggi è obbligatoria e non si può disattivare.",
    ),
    # Condominium administrators
    InvalidVatNumber: (
        ErrorKind.INVALID,
        "invalid_vat_number",
        "La partita IVA non è valida.",
    ),
    AdministratorCodeInvalid: (
        ErrorKind.INVALID,
        "administrator_code_invalid",
        "Il codice amministratore non è valido: controlla di averlo copiato per intero.",
    ),
    AdministratorCodeUsed: (
        ErrorKind.CONFLICT,
        "administrator_code_used",
        "Questo codice amministratore è già stato usato. Per un nuovo codice contatta il "
        "Servizio Clienti.",
    ),
    AdministratorCodeExpired: (
        ErrorKind.INVALID,
        "administrator_code_expired",
        "Questo codice amministratore è scaduto. Per un nuovo codice contatta il Servizio Clienti.",
    ),
    AdministratorsOnly: (
        ErrorKind.FORBIDDEN,
        AdministratorsOnly.reason,
        "Questa operazione è riservata agli amministratori di condominio.",
    ),
    CondominiumHeld: (
        ErrorKind.CONFLICT,
        "condominium_held",
        "Questo condominio è già gestito da un altro amministratore.",
    ),
    CondominiumRegistered: (
        ErrorKind.CONFLICT,
        "condominium_registered",
        "Questo condominio ha già un proprio account registrato.",
    ),
    CondominiumNotHeld: (
        ErrorKind.NOT_FOUND,
        "condominium_not_held",
        "Non gestisci un condominio con questo codice cliente.",
    ),
    TooManyAdministratorCodeAttempts: (
        ErrorKind.TOO_MANY,
        "too_many_attempts",
        "Troppi codici amministratore non validi. Riprova più tardi.",
    ),
    InvalidCursor: (
        ErrorKind.INVALID,
        "invalid_cursor",
        "Il riferimento alla pagina non è valido: ricomincia dalla prima pagina.",
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
# Every reason an operators' action is refused has its refusal above.
assert all(t in REFUSALS for t in NotPermitted.__subclasses__())


def refusal_for(error: IdentityError) -> Refused:
    if isinstance(error, WeakPassword):
        return Refused(
            ErrorKind.INVALID,
            "weak_password",
            "La password non rispetta i requisiti: " + "; ".join(error.problems) + ".",
            {"problems": list(error.problems)},
        )
    kind, code, message = REFUSALS[type(error)]
    if isinstance(error, SecondFactorRequired):
        # The client sends the challenge back with its code (`identity.session.complete`).
        return Refused(
            kind, code, message, {"challenge": error.challenge, "expires_in": error.expires_in}
        )
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
