"""Events the supplier's back-office systems publish (routing keys `backoffice.*`)."""

from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, FiscalCode

RegistrationPin = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{8}$")]


class CustomerOnboarded(EventPayload):
    """A customer exists in the CRM; the welcome letter carries `registration_pin`."""

    ROUTING_KEY = "backoffice.customer.onboarded"
    VERSION = 1

    customer_code: CustomerCode
    fiscal_code: FiscalCode
    full_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    email: EmailStr
    registration_pin: RegistrationPin = Field(repr=False)
