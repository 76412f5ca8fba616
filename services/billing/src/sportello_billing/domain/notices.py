"""pagoPA payment notices (*avviso*): the notice number, its check digits, and the QR payload.

The rules (DOMAIN.md, "Formats"; pagoPA "Specifiche attuative", "Avviso di pagamento"): a notice
number with aux digit 3 is `3` + segregation code (2) + position (13) + check digits (2), the
check digits being the remainder of the 16 preceding digits, aux digit included, divided by 93.
"""

import re

AUX_DIGIT = "3"
CHECK_MODULUS = 93
QR_CODE_VERSION = "002"

_SEGREGATION_CODE = re.compile(r"[0-9]{2}")
_POSITION = re.compile(r"[0-9]{13}")
_NOTICE = re.compile(r"[0-9]{18}")
_CREDITOR = re.compile(r"[0-9]{11}")


def notice_number(segregation_code: str, position: str) -> str:
    """The 18-digit notice number of the position in the creditor's segregation code."""
    if not _SEGREGATION_CODE.fullmatch(segregation_code):
        raise ValueError("the segregation code is 2 digits")
    if not _POSITION.fullmatch(position):
        raise ValueError("the notice position is 13 digits")
    body = AUX_DIGIT + segregation_code + position
    return body + _check_digits(body)


def check_digits_valid(notice: str) -> bool:
    """Whether `notice` is an 18-digit aux-digit-3 notice number whose check digits match.

    Other aux digits (0, 1, 2) follow other rules, which our billing engine never issues.
    """
    if not _NOTICE.fullmatch(notice) or not notice.startswith(AUX_DIGIT):
        return False
    return notice[16:] == _check_digits(notice[:16])


def qr_payload(notice_number: str, creditor_fiscal_code: str, amount_cents: int) -> str:
    """What the notice's QR code holds: `PAGOPA|002|<notice>|<creditor>|<cents>`."""
    if not check_digits_valid(notice_number):
        raise ValueError("the notice number is not 18 digits with valid check digits")
    if not _CREDITOR.fullmatch(creditor_fiscal_code):
        raise ValueError("the creditor's fiscal code is 11 digits")
    if isinstance(amount_cents, bool) or amount_cents < 0:
        raise ValueError("the amount is a non-negative number of cents")
    return f"PAGOPA|{QR_CODE_VERSION}|{notice_number}|{creditor_fiscal_code}|{amount_cents}"


def _check_digits(body: str) -> str:
    return f"{int(body) % CHECK_MODULUS:02d}"
