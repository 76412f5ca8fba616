"""The sandbox's settings, from the environment (prefix `PAYMENT_SANDBOX_`).

The API key and the webhook secret default to the same demo value billing's
`BILLING_PAYMENTS_PROVIDER_API_KEY` and `BILLING_PAYMENTS_WEBHOOK_SECRET` default to, so the two
agree out of the box.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY

# The gateway's route for this provider's callbacks (billing's provider name is "sandbox").
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/v1/payments/callbacks/sandbox"


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_SANDBOX_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8030, ge=1, le=65535)
    # Where a browser reaches the checkout pages; http://127.0.0.1:<port> unless set (in
    # Compose the container listens on 0.0.0.0 but the browser comes through localhost).
    public_url: str | None = None
    api_key: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=16, repr=False)
    # Signs the webhooks: HMAC-SHA256 keyed with this string's UTF-8 bytes as it is (Standard
    # Webhooks' `whsec_<base64>` form is not used, so both sides configure one plain string).
    webhook_secret: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=16, repr=False)
    webhook_url: str = DEFAULT_WEBHOOK_URL
    # A webhook not answered with a 2xx is sent again after first, 2 x first, 4 x first ...
    # (at most `longest` apart), `attempts` times in all.
    delivery_attempts: int = Field(10, ge=1, le=50)
    delivery_first_delay_seconds: float = Field(0.5, gt=0, le=60)
    delivery_longest_delay_seconds: float = Field(60.0, gt=0, le=3600)
    delivery_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # How often open checkouts are checked for their expiry (they are checked on read too).
    expiry_sweep_seconds: float = Field(1.0, gt=0, le=60)
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    @property
    def public_base(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")
