"""Metering's settings (env prefix `METERING_`; the shared ones keep their plain names).

The regulator's figures (ARERA) and the supplier's checks are named settings here, never numbers
in the code.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class MeteringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METERING_", extra="ignore", frozen=True)

    database: str = "sportello_metering"
    # A self-reading's outcome is known within so many working days (TIQV: 4).
    receipt_working_days: int = Field(4, ge=0, le=30)
    # A consumption above this many times what the supply's history predicts is flagged for the
    # back-office (and accepted: a reading is refused only when manifestly wrong).
    flag_factor: float = Field(3.0, gt=1, le=100)
    # ...but never below this many of the meter's units.
    flag_minimum: int = Field(30, ge=0)
    # A reading below the last one is the dial going round only when the wrapped consumption
    # is at most this share of the dial.
    rollover_share: float = Field(0.5, gt=0, le=1)
    # What a supply with no history is expected to use per day (m3 of gas, kWh of electricity).
    default_daily_m3: float = Field(4.0, gt=0)
    default_daily_kwh: float = Field(12.0, gt=0)
    # The history that predicts a supply's consumption.
    history_days: int = Field(365, ge=30, le=3650)
    # A distributor's actual reading within so many days of a customer's pending one counts
    # instead of it (TIF: the distributor's reading wins where they overlap).
    overlap_days: int = Field(7, ge=0, le=60)
