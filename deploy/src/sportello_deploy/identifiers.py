"""Checks of what the back-office publishes: fiscal codes, PDR, POD, PINs, customer codes.

The contracts check shapes only; a real back-office publishes nothing its own records would
refuse, so neither does the simulator. Each check returns the value as it is published
(compacted, upper case) or raises `ValueError` with a reason fit for one line, which never
repeats the value (it may be personal data).
"""

import re

from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.it import codicefiscale, iva

_CUSTOMER_CODE = re.compile(r"[A-Z0-9]{6,16}")
_PIN = re.compile(r"[0-9]{8}")
# DOMAIN.md: a gas point of delivery is 14 digits; an electricity one is `IT`, the distributor's
# 3-digit code, `E`, then 8 or 9 characters (`IT001E12345678`).
_PDR = re.compile(r"[0-9]{14}")
_POD = re.compile(r"IT[0-9]{3}E[0-9A-Z]{8,9}")


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
