"""Meters and supplies as the back-office describes them: installations and replacements, a
supply ceasing, the energy prices its interval data are costed at."""

from sportello_contracts.readings import EnergyPricesChanged, MeterInstalled
from sportello_contracts.supplies import SupplyCeased
from sportello_metering.domain.intervals import Prices
from sportello_metering.domain.meters import Meter
from sportello_metering.usecases.ports import Needs, Transaction


async def install_meter(needs: Needs, tx: Transaction, installed: MeterInstalled) -> None:
    """Keep the meter; a replacement ends the replaced meter's series with its last reading."""
    store, session = needs.store, tx.session
    spec = installed.meter
    await store.keep_supply(
        installed.supply_id,
        installed.customer_code,
        session,
        commodity=installed.commodity,
        point_id=installed.point_id,
    )
    await store.keep_meter(
        Meter(
            supply_id=installed.supply_id,
            serial=spec.serial,
            digits=spec.digits,
            unit=spec.unit,
            registers=spec.registers,
            smart=spec.smart,
            correction_factor=spec.correction_factor,
            installed_on=installed.installed_on,
            initial={str(k): v for k, v in installed.initial.items()},
        ),
        installed.customer_code,
        session,
    )
    if installed.replaced_serial is not None and installed.removal is not None:
        await store.remove_meter(
            installed.supply_id,
            installed.replaced_serial,
            installed.installed_on,
            {str(k): v for k, v in installed.removal.items()},
            session,
        )


async def cease_supply(needs: Needs, tx: Transaction, ceased: SupplyCeased) -> None:
    await needs.store.cease(ceased.supply_id, ceased.customer_code, ceased.ceased_on, tx.session)


async def change_prices(needs: Needs, tx: Transaction, changed: EnergyPricesChanged) -> None:
    await needs.store.keep_supply(changed.supply_id, changed.customer_code, tx.session)
    await needs.store.keep_prices(
        changed.supply_id,
        Prices(
            valid_from=changed.valid_from,
            euro_per_kwh={str(k): v for k, v in changed.euro_per_kwh.items()},
        ),
        tx.session,
    )
