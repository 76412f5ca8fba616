"""IBANs: checked before anything is stored, and never shown or logged but masked.

The check digits and each country's format are python-stdnum's (`stdnum.iban`); a direct debit
(SDD) also needs the bank to be in SEPA.
"""

import re

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

# The countries of the SEPA schemes' geographical scope (EPC, 2025: 41 countries), plus
# Gibraltar, the one SEPA territory with an IBAN prefix of its own (the others use their
# state's: FR for the French overseas departments, GB for Jersey, Guernsey and Man, FI for Åland).
EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
SEPA_COUNTRIES = EU_COUNTRIES | frozenset(
    {
        "IS", "LI", "NO",  # EEA
        "CH", "GB", "MC", "SM", "AD", "VA",
        "AL", "ME", "MD", "MK", "RS",  # joined in 2024 and 2025
        "GI",
    }
)  # fmt: skip

# How many characters a mask leaves visible at the end.
VISIBLE_TAIL = 4
# Shortest and longest IBANs of the registry (Norway's 15, Saint Lucia's 32, room to 34).
_MIN_LENGTH, _MAX_LENGTH = 15, 34
# Anything shaped like an IBAN in free text, compact or printed in groups of four.
_IBAN_LIKE = re.compile(
    r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE
)


class InvalidIban(ValueError):
    """The IBAN is malformed, its check digits are wrong, or its bank is outside SEPA."""


def normalise_iban(raw: str) -> str:
    """`raw` compact and upper case, once python-stdnum and the SEPA list accept it."""
    compact = _compact(raw)
    try:
        stdnum_iban.validate(compact)
    except ValidationError as error:
        raise InvalidIban(f"IBAN non valido: {_reason(error)}.") from error
    if compact[:2] not in SEPA_COUNTRIES:
        raise InvalidIban(
            "IBAN non valido: la banca deve trovarsi in un paese dell'area SEPA "
            "per l'addebito diretto."
        )
    return compact


def mask_iban(iban: str) -> str:
    """The IBAN printed in groups of four with only its country code and last 4 characters:
    `IT60X0542811101000000123456` -> `IT** **** **** **** **** ***3 456`.

    Anything too short to be an IBAN is masked whole.
    """
    compact = _compact(iban)
    if len(compact) < _MIN_LENGTH:
        return "*" * len(compact)
    hidden = len(compact) - 2 - VISIBLE_TAIL
    masked = compact[:2] + "*" * hidden + compact[-VISIBLE_TAIL:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def mask_in_text(text: str) -> str:
    """`text` with every IBAN in it, valid or mistyped, replaced by its mask (for log lines)."""
    return _IBAN_LIKE.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    candidate = _compact(match.group())
    # A mistyped IBAN of a SEPA country is still someone's account; other IBAN-shaped words
    # (bill numbers, codes) are kept unless their check digits make them an IBAN.
    looks_like_iban = candidate[:2] in SEPA_COUNTRIES or stdnum_iban.is_valid(candidate)
    if _MIN_LENGTH <= len(candidate) <= _MAX_LENGTH and looks_like_iban:
        return mask_iban(candidate)
    return match.group()


def _compact(raw: str) -> str:
    return "".join(raw.split()).upper()


def _reason(error: ValidationError) -> str:
    if isinstance(error, InvalidChecksum):
        return (
            "le cifre di controllo non corrispondono "
            "(controlla di averlo copiato tutto, senza errori)"
        )
    if isinstance(error, InvalidLength):
        return "la lunghezza non è quella prevista per il paese"
    return "il formato non è quello di un IBAN"
