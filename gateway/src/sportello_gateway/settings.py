"""The gateway's settings (env prefix `GATEWAY_`; the shared ones keep their plain names)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import TokenSettings


class GatewaySettings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # How long one call to a service may take before the client gets a 503.
    call_timeout: float = Field(5.0, gt=0, le=60)
    # How long a resolved scope (the customer codes a user may act on) is trusted.
    scope_ttl: float = Field(30.0, ge=0, le=600)
    health_timeout: float = Field(1.0, gt=0, le=10)
