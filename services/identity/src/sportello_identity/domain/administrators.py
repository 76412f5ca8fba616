"""Condominium administrators: the codes operators issue for firms, and holding condominiums."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from stdnum.it import iva

from sportello_identity.domain.accounts import Customer
from sportello_identity.domain.errors import (
    AdministratorCodeExpired,
    AdministratorCodeUsed,
    CondominiumHeld,
    CondominiumRegistered,
    InvalidVatNumber,
)

# No look-alikes (0/O, 1/I/L): the code is read from an e-mail and typed.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP = 3, 4  # 12 characters of 31: about 59 random bits


@dataclass(frozen=True)
class AdministratorCode:
    """An issued code, kept as its digest; single-use, until it expires."""

    key: str  # the code's SHA-256, never the code
    firm_name: str
    vat_number: str
    email: str
    issued_by: str  # the operator
    expires_at: datetime
    used_by: str | None = None  # the administrator's account, once registered with it


def new_administrator_code() -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS))
    return "AMM-" + "-".join(groups)


def administrator_code_key(code: str) -> str:
    """What is stored of a code: the SHA-256 of its normalised form (case, spaces, dashes
    aside). Random enough that no slow hash is needed."""
    normalised = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def check_vat_number(vat_number: str) -> None:
    if not iva.is_valid(vat_number):
        raise InvalidVatNumber()


def check_code_usable(code: AdministratorCode, now: datetime) -> None:
    if code.used_by is not None:
        raise AdministratorCodeUsed()
    if code.expires_at <= now:
        raise AdministratorCodeExpired()


def held_already(customer: Customer, administrator_id: str) -> bool:
    """Whether the administrator holds the condominium already; raises if it may not take it:
    it is a customer's own account, or another administrator's."""
    if customer.account_id is not None:
        raise CondominiumRegistered()
    if customer.administrator_id not in (None, administrator_id):
        raise CondominiumHeld()
    return customer.administrator_id == administrator_id
