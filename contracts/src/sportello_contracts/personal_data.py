"""Identity's language for the account's own data that the user sets directly (how and when to
be contacted), and for changes of registered personal data, which only the back-office makes."""

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, FiscalCode
from sportello_contracts.rpc import Operation, Request

ContactChannel = Literal["email", "sms", "phone"]
ContactTime = Literal["morning", "afternoon", "evening"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class UpdateContactPreferencesRequest(Request):
    """How the user prefers to be contacted by customer service, and when."""

    preferred_channel: ContactChannel
    preferred_times: tuple[ContactTime, ...] = Field(default=(), max_length=3)


class ContactPreferencesReply(Contract):
    preferred_channel: ContactChannel
    preferred_times: tuple[ContactTime, ...]


class Residence(Contract):
    """An Italian address of residence, as the registry has it."""

    street: Text  # street and number: `Via Roma 12`
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
    city: Text
    province: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class RequestPersonalDataChange(Request):
    """What the user asks to change of the data the back-office registered: each field given
    is asked for, each left out stays as it is."""

    full_name: Text | None = None
    residence: Residence | None = None
    fiscal_code: FiscalCode | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @model_validator(mode="after")
    def _asks_for_something(self) -> Self:
        if self.full_name is None and self.residence is None and self.fiscal_code is None:
            raise ValueError("say what to change: full_name, residence or fiscal_code")
        return self


class PersonalDataChangeReply(Contract):
    change_id: str
    requested_at: AwareDatetime


class PersonalDataChangeRequested(EventPayload):
    """A user asked to change registered personal data: a request for the back-office, which
    checks it and answers (the requests service shows it). Nothing changed yet."""

    ROUTING_KEY = "identity.personal_data.change_requested"
    VERSION = 1

    change_id: str
    account_id: str
    customer_codes: tuple[CustomerCode, ...]
    fiscal_code: FiscalCode  # the account's, as registered now
    full_name: str  # as registered now
    requested_full_name: str | None = None
    requested_residence: Residence | None = None
    requested_fiscal_code: FiscalCode | None = None
    note: str | None = None
    requested_at: AwareDatetime


UPDATE_CONTACT_PREFERENCES = Operation(
    "identity.contact_preferences.update",
    UpdateContactPreferencesRequest,
    ContactPreferencesReply,
    command=True,
)
REQUEST_PERSONAL_DATA_CHANGE = Operation(
    "identity.personal_data.request_change",
    RequestPersonalDataChange,
    PersonalDataChangeReply,
    command=True,
)
