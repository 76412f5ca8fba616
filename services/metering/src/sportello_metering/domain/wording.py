"""What customers read about their readings, in plain Italian: the statuses, the reasons for a
rejection, each step's explanation, the answer to a reading sent, and the reading box."""

from datetime import date

STATUS_LABELS: dict[str, str] = {
    "received": "Ricevuta",
    "forwarded": "Inviata al distributore",
    "validated": "Convalidata",
    "rejected": "Non accettata",
    "billed": "Usata in bolletta",
    "superseded": "Sostituita dalla lettura del distributore",
}

# One per `RejectionReason` of the contracts.
REJECTIONS: dict[str, str] = {
    "implausible": (
        "Il consumo che ne risulta è troppo diverso da quello che il contatore ha registrato "
        "finora."
    ),
    "meter_mismatch": ("Le cifre non sembrano del contatore installato sulla tua fornitura."),
    "lower_than_previous": ("La lettura è più bassa di una lettura precedente già convalidata."),
    "unreadable": "Il distributore non è riuscito a interpretare le cifre comunicate.",
    "other": "Il distributore non ha potuto usarla.",
}


def format_date(day: date) -> str:
    """As Italian customers write it: 03/12/2026."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def explain(
    status: str,
    *,
    read_on: date,
    answer_by: date | None = None,
    in_window: bool = True,
    next_opens_on: date | None = None,
    bill_number: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
    distributor_read_on: date | None = None,
) -> str:
    """What happened to the reading of `read_on` and what comes next."""
    reading = f"la tua lettura del {format_date(read_on)}"
    if status == "received":
        return _received(reading, answer_by, in_window, next_opens_on)
    if status == "forwarded":
        text = f"Abbiamo passato {reading} al distributore, che la sta verificando."
        if answer_by is not None:
            text += f" Ti diremo se è stata convalidata entro il {format_date(answer_by)}."
        return text
    if status == "validated":
        return (
            f"Il distributore ha convalidato {reading}: conta per calcolare i tuoi consumi "
            "in bolletta."
        )
    if status == "rejected":
        return _rejected(reading, reason_code, note)
    if status == "billed":
        where = "in bolletta" if bill_number is None else f"nella bolletta {bill_number}"
        return f"{_capital(reading)} è stata usata {where}."
    if status == "superseded":
        return _superseded(read_on, distributor_read_on)
    raise ValueError(f"unknown reading status {status!r}")


def _received(
    reading: str, answer_by: date | None, in_window: bool, next_opens_on: date | None
) -> str:
    text = f"Abbiamo ricevuto {reading}. La passiamo al distributore"
    if answer_by is None:
        text += ", che la verificherà."
    else:
        text += f": ti diremo se è stata convalidata entro il {format_date(answer_by)}."
    if not in_window:
        text += (
            " L'hai comunicata fuori dal periodo per l'autolettura: la conserviamo, ma non "
            "la useremo per la bolletta in corso."
        )
        if next_opens_on is not None:
            text += f" Il prossimo periodo si apre il {format_date(next_opens_on)}."
    return text


def _rejected(reading: str, reason_code: str | None, note: str | None) -> str:
    text = f"Il distributore non ha accettato {reading}."
    if reason_code is not None:
        text += " " + REJECTIONS.get(reason_code, REJECTIONS["other"])
    if note:
        # The guillemets close the distributor's words; the sentence's own full stop follows.
        text += f" Nota del distributore: «{note.strip().rstrip('.').strip()}»."
    return text + " Puoi comunicare una nuova lettura quando vuoi."


def _superseded(read_on: date, distributor_read_on: date | None) -> str:
    when = (
        "in una data vicina"
        if distributor_read_on is None
        else f"il {format_date(distributor_read_on)}"
    )
    return (
        f"Il distributore ha letto il contatore {when}: come prevedono le regole dell'Autorità "
        f"per l'energia (ARERA), la sua lettura conta al posto della tua autolettura del "
        f"{format_date(read_on)}."
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def receipt_message(explanation: str, *, already: bool, flagged: bool) -> str:
    """The answer to a reading sent: what happens next, whether it had arrived already, and a
    word on an unusually high consumption (the reading is accepted all the same)."""
    text = explanation
    if already:
        text = "Questa lettura ci era già arrivata: " + explanation[:1].lower() + explanation[1:]
    if flagged:
        text += (
            " Il consumo che ne risulta è più alto del solito: la lettura è comunque accettata, "
            "la controlleremo con attenzione e ti contatteremo solo se servisse."
        )
    return text


def box_message(state: str, *, window: tuple[date, date] | None, next_opens_on: date | None) -> str:
    """The reading box's words for its state."""
    if state == "open":
        if window is None:
            return "Comunica la lettura del contatore: la useremo nella prossima bolletta."
        return f"Comunica la lettura entro il {format_date(window[1])}: la useremo in bolletta."
    if state == "out_of_window":
        return _out_of_window(window, next_opens_on)
    if state == "read_remotely":
        return (
            "Il tuo contatore è letto a distanza dal distributore ogni mese: non serve "
            "comunicare l'autolettura."
        )
    if state == "ceased":
        return "Questa fornitura è cessata: non serve più comunicare l'autolettura."
    if state == "no_meter":
        return (
            "Non abbiamo ancora i dati del contatore di questa fornitura: potrai comunicare "
            "l'autolettura appena il distributore ce li invierà."
        )
    raise ValueError(f"unknown reading box state {state!r}")


def _out_of_window(window: tuple[date, date] | None, next_opens_on: date | None) -> str:
    opens_on = next_opens_on if next_opens_on is not None else window[0] if window else None
    if opens_on is None:
        when = "Ora non è il periodo per l'autolettura."
    elif window is not None and window[0] == opens_on:
        when = (
            f"Il prossimo periodo per l'autolettura va dal {format_date(window[0])} "
            f"al {format_date(window[1])}."
        )
    else:
        when = f"Il prossimo periodo per l'autolettura si apre il {format_date(opens_on)}."
    return (
        f"{when} Puoi comunicare la lettura anche ora: la conserviamo, ma non la useremo per "
        "la bolletta in corso."
    )
