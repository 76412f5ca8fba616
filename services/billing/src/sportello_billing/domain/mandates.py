"""Direct-debit mandates: asked with a billing-profile change, then active or refused by the
bank (the back-office says which)."""

from dataclasses import dataclass
from datetime import date, datetime

from sportello_contracts.payments import MandateState


@dataclass(frozen=True)
class Mandate:
    reference: str
    account_id: str  # who asked for it: told of the bank's answer
    customer_codes: tuple[str, ...]
    billing_profiles: tuple[str, ...]
    holder_name: str
    iban_masked: str  # never the whole IBAN: the back-office got it on its own queue
    state: MandateState
    requested_at: datetime
    decided_on: date | None = None
    reason: str | None = None

    def of_customer(self, customer_code: str) -> bool:
        return customer_code in self.customer_codes
