"""Settings from the environment: safe local defaults, and a production mode refusing them."""

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Defaults that make a local run work out of the box; production refuses to start with any of them.
DEMO_TOKEN_SECRET = "demo-only-token-secret-change-me-in-production"  # noqa: S105
DEMO_BROKER_CREDENTIALS = "guest:guest@"


class ServiceSettings(BaseSettings):
    """Shared by every deployable; subclasses add their own fields under their own env prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Shared variables keep their plain names (aliases are not prefixed by subclasses).
    environment: Literal["development", "production"] = Field(
        "development", validation_alias="SPORTELLO_ENV"
    )
    rabbitmq_url: str = Field("amqp://guest:guest@127.0.0.1:5672/", validation_alias="RABBITMQ_URL")
    mongo_url: str = Field("mongodb://127.0.0.1:27017/", validation_alias="MONGO_URL")
    # Every exchange and queue name starts with it: test runs use their own so they never collide.
    bus_prefix: str = Field("sportello", validation_alias="BUS_PREFIX", pattern=r"^[a-z0-9-]+$")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # Unacknowledged messages a service holds at once, per consumer.
    prefetch: int = Field(32, validation_alias="BUS_PREFETCH", ge=1, le=1000)
    # Deliveries of one event before the broker dead-letters it.
    delivery_limit: int = Field(5, validation_alias="BUS_DELIVERY_LIMIT", ge=1, le=100)
    # Seconds a stopping service waits for the messages it is handling.
    graceful_timeout: float = Field(15.0, validation_alias="GRACEFUL_TIMEOUT", gt=0)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @model_validator(mode="after")
    def _no_demo_values_in_production(self) -> Self:
        if not self.production:
            return self
        offending = [
            name
            for name, value in self
            if isinstance(value, str)
            and (value == DEMO_TOKEN_SECRET or DEMO_BROKER_CREDENTIALS in value)
        ]
        if offending:
            raise ValueError(
                "production mode refuses demo values; set real ones for: " + ", ".join(offending)
            )
        return self


class TokenSettings(ServiceSettings):
    """For the deployables that sign (identity) or verify (gateway) access tokens."""

    token_secret: str = Field(DEMO_TOKEN_SECRET, validation_alias="TOKEN_SECRET", min_length=32)
    token_issuer: str = Field("sportello-identity", validation_alias="TOKEN_ISSUER")
