"""Metering's settings (env prefix `METERING_`; the shared ones keep their plain names)."""

from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class MeteringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METERING_", extra="ignore", frozen=True)

    database: str = "sportello_metering"
