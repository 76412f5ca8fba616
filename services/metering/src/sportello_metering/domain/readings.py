"""A reading and its journey: received, passed to the distributor, validated or rejected, then
used in a bill or superseded by the distributor's own reading."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sportello_metering.domain.meters import Values

# "customer" | "distributor" | "estimate"
Source = str
# "received" | "forwarded" | "validated" | "rejected" | "billed" | "superseded"
Status = str


@dataclass(frozen=True)
class Step:
    status: Status
    on: date
    explanation: str  # in Italian, as the customer reads it


@dataclass(frozen=True)
class Reading:
    reading_id: str
    supply_id: str
    customer_code: str
    meter_serial: str
    read_on: date
    values: Values
    source: Source
    status: Status
    recorded_at: datetime
    account_id: str | None = None  # who sent it (a customer's reading)
    consumption: int | None = None  # since the reading before it that counts
    rolled_over: bool = False
    flagged: bool = False
    flag_reason: str | None = None
    in_window: bool = True
    answer_by: date | None = None
    bill_number: str | None = None
    reason: str | None = None  # why rejected or superseded, in Italian
    steps: tuple[Step, ...] = field(default=())

    @property
    def counts(self) -> bool:
        """Whether consumption is measured from it: the distributor's actual readings and the
        customer's the distributor accepted (estimates and pending readings do not)."""
        if self.source == "distributor":
            return True
        return self.source == "customer" and self.status in ("validated", "billed")
