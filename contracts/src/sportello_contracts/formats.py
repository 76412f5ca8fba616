"""Identifiers as they travel on the bus: shape only; check digits are verified by their owner."""

from typing import Annotated

from pydantic import StringConstraints

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
