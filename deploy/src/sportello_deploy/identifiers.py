"""Checks of what the back-office publishes: fiscal codes, PDR, POD, IBANs, PINs, codes.

The contracts check shapes only; a real back-office publishes nothing its own records would
refuse, so neither does the simulator. Each check returns the value as it is published
(compacted, upper case) or raises `ValueError` with a reason fit for one line, which never
repeats the value (it may be personal data).
"""

import re

from stdnum import iban
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.it import codicefiscale, iva

_CUSTOMER_CODE = re.compile(r"[A-Z0-9]{6,16}")
_PIN = re.compile(r"[0-9]{8}")
# DOMAIN.md: a gas point of delivery is 14 digits; an electricity one is `IT`, the distributor's
# 3-digit code, `E`, then 8 or 9 characters (`IT001E12345678`).
_PDR = re.compile(r"[0-9]{14}")
_POD = re.compile(r"IT[0-9]{3}E[0-9A-Z]{8,9}")
# The contracts' shapes: the back-office's supply ids and invoice numbers, and the 13-digit
# position of a bill's pagoPA notice.
_SUPPLY_ID = re.compile(r"[A-Z0-9-]{4,30}")
_BILL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{3,29}")
_NOTICE_POSITION = re.compile(r"[0-9]{13}")
_ITALIAN_IBAN_LENGTH = 27


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def check_fiscal_code(value: str) -> str:
    """A person's codice fiscale (16 characters) or an entity's partita IVA (11 digits)."""
    code = _compact(value)
    if len(code) == 16:
        kind, validate = "codice fiscale", codicefiscale.validate
    elif len(code) == 11 and code.isdigit():
        kind, validate = "partita IVA", iva.validate
    else:
        raise ValueError("a codice fiscale has 16 characters, a partita IVA 11 digits")
    try:
        validate(code)
    except InvalidChecksum:
        # Not the expected character: the typo may be anywhere, not in the check character.
        raise ValueError(f"not a valid {kind}: its check character does not match") from None
    except InvalidLength:
        raise ValueError(f"not a valid {kind}: wrong length") from None
    except ValidationError:
        raise ValueError(f"not a valid {kind}: a character is out of place") from None
    return code


def check_customer_code(value: str) -> str:
    code = _compact(value)
    if not _CUSTOMER_CODE.fullmatch(code):
        raise ValueError("6 to 16 letters and digits, as printed on bills (C00012345)")
    return code


def check_registration_pin(value: str) -> str:
    pin = value.strip()
    if not _PIN.fullmatch(pin):
        raise ValueError("8 digits, as printed in the welcome letter")
    return pin


def check_pdr(value: str) -> str:
    """A gas point of delivery (PDR)."""
    pdr = _compact(value)
    if not _PDR.fullmatch(pdr):
        raise ValueError("a PDR is 14 digits")
    return pdr


def check_pod(value: str) -> str:
    """An electricity point of delivery (POD)."""
    pod = _compact(value)
    if not _POD.fullmatch(pod):
        raise ValueError(
            "a POD is IT, the distributor's 3 digits, E, then 8 or 9 characters (IT001E12345678)"
        )
    return pod


def check_point(commodity: str, value: str) -> str:
    """The point of delivery of a supply of `commodity`: a PDR for gas, a POD for electricity."""
    if commodity == "gas":
        return check_pdr(value)
    if commodity == "electricity":
        return check_pod(value)
    raise ValueError("the commodity is gas or electricity")


def check_iban(value: str) -> str:
    """An IBAN (ISO 13616): its country's format and its mod-97 check digits."""
    code = _compact(value)
    # stdnum judges the check digits first: a short Italian IBAN would be reported as a
    # checksum error, when the likelier mistake is a character left out.
    if code.startswith("IT") and len(code) != _ITALIAN_IBAN_LENGTH:
        raise ValueError(f"an Italian IBAN has {_ITALIAN_IBAN_LENGTH} characters")
    try:
        iban.validate(code)
    except InvalidChecksum:
        raise ValueError("not a valid IBAN: its check digits do not match") from None
    except InvalidLength:
        raise ValueError("not a valid IBAN: wrong length for its country") from None
    except ValidationError:
        raise ValueError("not a valid IBAN: a character is out of place") from None
    return code


def check_supply_id(value: str) -> str:
    code = _compact(value)
    if not _SUPPLY_ID.fullmatch(code):
        raise ValueError("4 to 30 letters, digits and dashes, as the back-office numbers supplies")
    return code


def check_bill_number(value: str) -> str:
    number = _compact(value)
    if not _BILL_NUMBER.fullmatch(number):
        raise ValueError("4 to 30 letters, digits and dashes, not starting with a dash")
    return number


def check_notice_position(value: str) -> str:
    position = _compact(value)
    if not _NOTICE_POSITION.fullmatch(position):
        raise ValueError("13 digits, the position of the bill's pagoPA notice")
    return position
