"""Identity's settings (env prefix `IDENTITY_`; the shared ones keep their plain names)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import TokenSettings


class IdentitySettings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    database: str = "sportello_identity"
    access_token_minutes: int = Field(15, ge=1, le=120)
    refresh_token_days: int = Field(30, ge=1, le=365)
