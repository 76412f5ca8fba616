"""Events the supplier's back-office systems publish (routing keys `backoffice.*`)."""

from typing import Annotated

from pydantic import Field, StringConstraints

from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode

RegistrationPin = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{8}$")]


class CustomerOnboarded(EventPayload):
    """A customer exists in the CRM. Broadcast: it carries no secret (the PIN travels apart)."""

    ROUTING_KEY = "backoffice.customer.onboarded"
    VERSION = 1

    customer_code: CustomerCode
    fiscal_code: FiscalCode
    full_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    email: Email


class RegistrationPinIssued(EventPayload):
    """The PIN of a customer code's welcome letter (first issue, or a new letter replacing it).

    For identity alone: no other service subscribes to it (a test checks), so the PIN reaches
    no other queue. A new PIN for a customer code already registered changes nothing.
    """

    ROUTING_KEY = "backoffice.registration_pin.issued"
    VERSION = 1
    SECRET = True

    customer_code: CustomerCode
    fiscal_code: FiscalCode
    registration_pin: RegistrationPin = Field(repr=False)
