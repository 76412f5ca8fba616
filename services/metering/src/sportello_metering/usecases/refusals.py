"""Metering's typed refusals, in the words the customer reads."""

from pydantic import JsonValue

from sportello_contracts.rpc import ErrorKind, Refused


def supply_not_found(supply_id: str) -> Refused:
    # The same answer for a supply that does not exist and one of another customer's (the id
    # is the caller's own input), as billing gives it.
    return Refused(
        ErrorKind.NOT_FOUND, "supply_not_found", "Fornitura non trovata.", {"supply_id": supply_id}
    )


def reading_not_found() -> Refused:
    return Refused(ErrorKind.NOT_FOUND, "reading_not_found", "Lettura non trovata.")


def supply_ceased() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "supply_ceased",
        "La fornitura è cessata: non serve più comunicare letture.",
    )


def no_meter() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "no_meter",
        "Non abbiamo ancora i dati del contatore di questa fornitura: riprova tra qualche giorno.",
    )


def read_remotely() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "read_remotely",
        "Il tuo contatore è letto a distanza dal distributore ogni mese: non serve comunicare "
        "l'autolettura.",
    )


def not_smart() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "not_smart",
        "I consumi ogni 15 minuti ci sono solo per i contatori elettronici letti a distanza.",
    )


def invalid_reading(code: str, message: str, details: dict[str, JsonValue]) -> Refused:
    return Refused(ErrorKind.INVALID, code, message, details)


def invalid_cursor() -> Refused:
    return Refused(ErrorKind.INVALID, "invalid_cursor", "Il cursore non è valido.")
