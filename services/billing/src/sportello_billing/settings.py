"""Billing's settings (env prefix `BILLING_`; the shared ones keep their plain names)."""

from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    database: str = "sportello_billing"
