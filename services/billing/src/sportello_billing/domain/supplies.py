"""Supplies as billing keeps them: a point of delivery of one customer, active or ceased."""

from dataclasses import dataclass
from datetime import date, datetime

from sportello_contracts.supplies import (
    Commodity,
    Distributor,
    Meter,
    PostalAddress,
    SupplyStatus,
    Use,
)


@dataclass(frozen=True)
class Supply:
    supply_id: str
    customer_code: str
    commodity: Commodity
    point_id: str  # PDR (gas) or POD (electricity)
    address: PostalAddress
    use: Use
    contracted_power_kw: float | None
    offer_code: str
    offer_name: str
    meter: Meter
    distributor: Distributor
    activated_on: date
    ceased_on: date | None
    billing_profile: str  # the BP-xxxxxx it is in now
    updated_at: datetime

    @property
    def status(self) -> SupplyStatus:
        return "ceased" if self.ceased_on is not None else "active"

    @property
    def active(self) -> bool:
        return self.ceased_on is None
