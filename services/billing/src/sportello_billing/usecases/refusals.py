"""The refusals billing answers with: codes, kinds and messages are API (the gateway's docs list
them)."""

from pydantic import JsonValue

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind, Refused


def supply_not_found(supply_id: str) -> Refused:
    return Refused(
        ErrorKind.NOT_FOUND,
        "supply_not_found",
        "Fornitura non trovata.",
        {"supply_id": supply_id},
    )


def bill_not_found() -> Refused:
    return Refused(ErrorKind.NOT_FOUND, "bill_not_found", "Bolletta non trovata.")


def profile_not_found() -> Refused:
    return Refused(
        ErrorKind.NOT_FOUND, "billing_profile_not_found", "Profilo di pagamento non trovato."
    )


def customer_not_found() -> Refused:
    return Refused(ErrorKind.NOT_FOUND, "customer_not_found", "Cliente non trovato.")


def customer_code_required() -> Refused:
    return Refused(
        ErrorKind.INVALID,
        "customer_code_required",
        "Indica il codice cliente di cui vuoi vedere i dati.",
    )


def supply_ceased(supply_id: str) -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "supply_ceased",
        "La fornitura è cessata: non si possono più cambiare recapito o pagamento.",
        {"supply_id": supply_id},
    )


def profile_closed(number: str) -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "billing_profile_closed",
        "Il profilo di pagamento è chiuso: non ha forniture attive da modificare.",
        {"billing_profile": number},
    )


def not_on_direct_debit(supply_id: str) -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "not_on_direct_debit",
        "La fornitura non è pagata con addebito diretto: attiva prima la domiciliazione.",
        {"supply_id": supply_id},
    )


def invalid_iban(message: str) -> Refused:
    return Refused(ErrorKind.INVALID, "invalid_iban", message, {"field": "change.iban"})


def invalid_address(field: str, message: str) -> Refused:
    return Refused(
        ErrorKind.INVALID, "invalid_address", message, {"field": f"change.address.{field}"}
    )


def invalid_fiscal_code(message: str) -> Refused:
    return Refused(
        ErrorKind.INVALID, "invalid_fiscal_code", message, {"field": "change.holder_fiscal_code"}
    )


def invalid_cursor() -> Refused:
    return Refused(
        ErrorKind.INVALID, "invalid_cursor", "Il cursore non è valido: riparti dalla prima pagina."
    )


def administrators_only() -> Refused:
    return Refused(
        ErrorKind.FORBIDDEN,
        "administrators_only",
        "Solo un amministratore di condominio può modificare tutti i condomini insieme.",
    )


def condominium_change_failed(customer_code: str, cause: Refused) -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "condominium_change_failed",
        f"La modifica non è stata fatta per nessun condominio: il condominio {customer_code} "
        f"non la consente ({cause.error.message})",
        {"customer_code": customer_code, "cause": cause.error.code, **cause.error.details},
    )


def no_active_supply() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "no_active_supply",
        "Non ci sono forniture attive a cui applicare la modifica.",
    )


def operator_permission_missing() -> Refused:
    return Refused(
        ErrorKind.FORBIDDEN,
        "permission_missing",
        "Per vedere i dati di fatturazione di un cliente serve il permesso accounts.read "
        "(e la verifica in due passaggi attiva).",
    )


def operators_cannot_change() -> Refused:
    return Refused(
        ErrorKind.FORBIDDEN,
        "permission_missing",
        "Il recapito e il pagamento delle bollette li cambia il cliente dalla sua area.",
    )


def not_payable(code: str, message: str, details: dict[str, JsonValue] | None = None) -> Refused:
    """The bill cannot be paid online now: paid, collected by the bank, being paid..."""
    return Refused(ErrorKind.CONFLICT, code, message, details)


def operators_cannot_pay() -> Refused:
    return Refused(
        ErrorKind.FORBIDDEN,
        "permission_missing",
        "Una bolletta la paga il cliente dalla sua area.",
    )


def payment_not_found() -> Refused:
    return Refused(ErrorKind.NOT_FOUND, "payment_not_found", "Pagamento non trovato.")


def payment_provider_unavailable(retry_after: int) -> Refused:
    return Refused(
        ErrorKind.UNAVAILABLE,
        "payment_provider_unavailable",
        "Il servizio di pagamento non risponde: riprova tra poco con la stessa chiave "
        "(Idempotency-Key), non verrà addebitato due volte.",
        {RETRY_AFTER: retry_after},
    )


def payment_provider_unknown(provider: str) -> Refused:
    return Refused(
        ErrorKind.NOT_FOUND,
        "payment_provider_unknown",
        "Fornitore di pagamento sconosciuto.",
        {"provider": provider},
    )


def callback_refused(reason: str) -> Refused:
    # Says only which check failed: a forger learns nothing else.
    return Refused(
        ErrorKind.UNAUTHENTICATED,
        "callback_refused",
        "Notifica di pagamento rifiutata: firma o orario non validi.",
        {"reason": reason},
    )


def callback_payment_unknown() -> Refused:
    return Refused(
        ErrorKind.NOT_FOUND,
        "callback_payment_unknown",
        "La notifica riguarda un pagamento che non esiste.",
    )


def callback_amount_mismatch() -> Refused:
    return Refused(
        ErrorKind.INVALID,
        "callback_amount_mismatch",
        "La notifica riporta un importo diverso da quello del pagamento.",
    )
