"""Requests's settings (env prefix `REQUESTS_`; the shared ones keep their plain names).

The regulator's figures (ARERA, TIQV) are named settings here, never numbers in the code.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REQUESTS_", extra="ignore", frozen=True)

    database: str = "sportello_requests"
    # Calendar days the supplier has to answer in writing (TIQV).
    complaint_days: int = Field(30, ge=1, le=365)
    information_days: int = Field(30, ge=1, le=365)
    bill_correction_days: int = Field(60, ge=1, le=365)
    bill_correction_four_monthly_days: int = Field(90, ge=1, le=365)
    # A late answer's automatic compensation: this much, times 2 beyond twice the standard
    # time, times 3 beyond three times it.
    compensation_base_cents: int = Field(3000, ge=0, le=1_000_000)
    # A deactivation, a voltura or a subentro is asked for a day at most this far ahead.
    days_ahead: int = Field(90, ge=1, le=366)
    # An instalment plan covers at least this much (TIF: not under 50 EUR).
    plan_minimum_cents: int = Field(5000, ge=0)
