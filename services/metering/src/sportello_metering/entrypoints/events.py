"""The events metering consumes."""

from sportello_contracts.bills import BillIssued
from sportello_contracts.envelope import Event
from sportello_contracts.readings import (
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDaysPublished,
    MeterInstalled,
    ReadingProgressed,
)
from sportello_contracts.supplies import SupplyCeased
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction
from sportello_metering.bootstrap import Dependencies
from sportello_metering.usecases.bulk import keep_distributor_readings, keep_interval_days
from sportello_metering.usecases.meters import cease_supply, change_prices, install_meter
from sportello_metering.usecases.readings import bill_issued, progress_reading


def subscribe(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.on(MeterInstalled)
    async def meter_installed(event: Event[MeterInstalled], tx: Transaction) -> None:
        """Keep the meter (a replacement ends the replaced one's series)."""
        await install_meter(needs, tx, event.payload)

    @service.on(SupplyCeased)
    async def supply_ceased(event: Event[SupplyCeased], tx: Transaction) -> None:
        """A ceased supply takes no more self-readings."""
        await cease_supply(needs, tx, event.payload)

    @service.on(BillIssued)
    async def bill_issued_(event: Event[BillIssued], tx: Transaction) -> None:
        """What the bill billed, its next reading window, and the self-readings it used."""
        await bill_issued(needs, tx, event.payload)

    @service.on(EnergyPricesChanged)
    async def prices_changed(event: Event[EnergyPricesChanged], tx: Transaction) -> None:
        """The prices a supply's interval data are costed at, from a day on."""
        await change_prices(needs, tx, event.payload)

    @service.on(ReadingProgressed)
    async def reading_progressed(event: Event[ReadingProgressed], tx: Transaction) -> None:
        """Move a customer's reading on its journey, and tell them."""
        await progress_reading(needs, tx, event.payload)

    @service.on(DistributorReadingsPublished)
    async def distributor_readings(
        event: Event[DistributorReadingsPublished], tx: Transaction
    ) -> None:
        """Keep the good rows once each; dead-letter the bad ones with their reasons."""
        await keep_distributor_readings(needs, tx, event.payload)

    @service.on(IntervalDaysPublished)
    async def interval_days(event: Event[IntervalDaysPublished], tx: Transaction) -> None:
        """Keep each supply-day of 15-minute data; dead-letter the bad ones."""
        await keep_interval_days(needs, tx, event.payload)
