"""Requests's settings (env prefix `REQUESTS_`; the shared ones keep their plain names)."""

from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REQUESTS_", extra="ignore", frozen=True)

    database: str = "sportello_requests"
