"""Identifiers as they travel on the bus: shape only; check digits are verified by their owner."""

from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from pydantic.networks import validate_email

# The supplier's customer code, as printed on bills.
CustomerCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{6,16}$")
]
# A person's codice fiscale (16) or the 11 digits of a company's, entity's or condominium's.
FiscalCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^([A-Za-z0-9]{16}|[0-9]{11})$"
    ),
]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9._-]{4,40}$")
]


@lru_cache(maxsize=4096)
def _normalised_email(value: str) -> str:
    # pydantic's own check, the one behind `EmailStr` (same errors, same normalised address),
    # remembered: the same few addresses are checked over and over (a profile read is checked by
    # identity when it answers and by the gateway when it reads the answer), and the check is
    # slow Python (a twentieth of the gateway's CPU on `GET /v1/me`). Failures are not cached.
    return validate_email(value)[1]


# An e-mail address: `EmailStr`'s rules and schema, checked once per distinct address.
Email = Annotated[
    str, AfterValidator(_normalised_email), WithJsonSchema({"type": "string", "format": "email"})
]
