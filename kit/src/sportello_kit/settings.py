"""Settings from the environment: safe local defaults, and a production mode refusing them."""

from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Defaults that make a local run work out of the box; production refuses to start with any of them.
# Identity's key-encryption key: its signing keys are kept encrypted with it.
DEMO_KEY_ENCRYPTION_KEY = "demo-only-key-encryption-key-change-me-in-production"
DEMO_BROKER_CREDENTIALS = "guest:guest@"


class ServiceSettings(BaseSettings):
    """Shared by every deployable; subclasses add their own fields under their own env prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Shared variables keep their plain names (aliases are not prefixed by subclasses).
    # Production unless told otherwise: a deployable someone forgot to configure fails closed,
    # refusing the demo values below; the local runner and the tests say `development`.
    environment: Literal["development", "production"] = Field(
        "production", validation_alias="SPORTELLO_ENV"
    )
    rabbitmq_url: str = Field("amqp://guest:guest@127.0.0.1:5672/", validation_alias="RABBITMQ_URL")
    mongo_url: str = Field("mongodb://127.0.0.1:27017/", validation_alias="MONGO_URL")
    # Every exchange and queue name starts with it: test runs use their own so they never collide.
    bus_prefix: str = Field("sportello", validation_alias="BUS_PREFIX", pattern=r"^[a-z0-9-]+$")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # Unacknowledged messages a service holds at once, per consumer.
    prefetch: int = Field(32, validation_alias="BUS_PREFETCH", ge=1, le=1000)
    # Deliveries of one copy of an event before the broker dead-letters it: the guard against a
    # message that kills its consumer, or that cannot be moved to a retry queue (a policy).
    delivery_limit: int = Field(5, validation_alias="BUS_DELIVERY_LIMIT", ge=1, le=100)
    # Seconds before each retry of an event whose handler failed; after the last one it is
    # dead-lettered. Growing, so an outage of minutes (a database election, an SMTP server
    # restarting) is ridden out; each delay is a retry queue of its own.
    retry_delays: Annotated[tuple[float, ...], NoDecode] = Field(
        (1.0, 5.0, 30.0, 120.0, 600.0), validation_alias="BUS_RETRY_DELAYS", min_length=0
    )
    # Days dead letters are kept before the broker drops them (they may hold personal data).
    dead_letter_days: float = Field(14, validation_alias="BUS_DEAD_LETTER_DAYS", gt=0)
    # Hours the dead letters of an event carrying a secret (a registration PIN) are kept: long
    # enough to see why and replay, short enough that a PIN does not sit in a queue for weeks.
    secret_dead_letter_hours: float = Field(
        24, validation_alias="BUS_SECRET_DEAD_LETTER_HOURS", gt=0
    )
    # What an event queue's dead letters are: quorum (replicated, like the queue) in any real
    # deployment. `classic` (durable, on one node) is for a small single broker: RabbitMQ 3.10
    # on the 2-core CI machine stalls with two prefixes' worth of quorum queues, so the tests'
    # own prefix uses it. Fixed at declaration: every deployable of a prefix must agree.
    dead_letter_queue_type: Literal["quorum", "classic"] = Field(
        "quorum", validation_alias="BUS_DEAD_LETTER_QUEUE_TYPE"
    )
    # Where the topology step applies broker policies; by default the AMQP host on port 15672.
    rabbitmq_management_url: str | None = Field(None, validation_alias="RABBITMQ_MANAGEMENT_URL")
    # Days a handled event's id is remembered (its redelivery after that would apply it again).
    inbox_days: float = Field(30, validation_alias="INBOX_DAYS", gt=0)
    # How long a request waits for the database to be found: well under a caller's deadline, so
    # a database outage answers 503 at once instead of at the deadline.
    mongo_server_selection_ms: int = Field(500, validation_alias="MONGO_SERVER_SELECTION_MS", ge=50)
    # How long one database operation may take before it fails (shorter than a caller's 5 s).
    mongo_operation_ms: int = Field(4000, validation_alias="MONGO_OPERATION_MS", ge=100)
    # Seconds an effect outside the database (an e-mail...) is claimed for before another
    # delivery may take it over: longer than the effect can take.
    claim_lease_seconds: float = Field(60.0, validation_alias="CLAIM_LEASE_SECONDS", gt=0)
    # Effects outside the database (e-mails...) a service does at once, per subscription: what
    # a crash can leave half-done, so what it can double, is bounded by it.
    effects_in_flight: int = Field(4, validation_alias="EFFECTS_IN_FLIGHT", ge=1, le=100)
    # Named points where the process kills itself (kill -9), for the reliability tests only.
    failpoints: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias="SPORTELLO_FAILPOINTS"
    )
    # Where a service answers its liveness probe (`GET /live`, for Kubernetes); none by default,
    # so services sharing a machine in a local run do not compete for one port.
    probe_port: int | None = Field(None, validation_alias="PROBE_PORT", ge=1, le=65535)
    # Seconds each service may go without a sign of life (consumers attached, the outbox relay
    # ticking) before its liveness probe fails and Kubernetes restarts it.
    liveness_seconds: float = Field(60.0, validation_alias="LIVENESS_SECONDS", gt=0)
    # Seconds a stopping service waits for the messages it is handling.
    graceful_timeout: float = Field(15.0, validation_alias="GRACEFUL_TIMEOUT", gt=0)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @field_validator("retry_delays", "failpoints", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # `BUS_RETRY_DELAYS=1,5,30` reads better in an environment than a JSON list.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("retry_delays")
    @classmethod
    def _positive_delays(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay <= 0 for delay in value):
            raise ValueError("every retry delay is a positive number of seconds")
        return value

    @model_validator(mode="after")
    def _no_demo_values_in_production(self) -> Self:
        if not self.production:
            return self
        offending = [
            name
            for name, value in self
            if isinstance(value, str)
            and (value == DEMO_KEY_ENCRYPTION_KEY or DEMO_BROKER_CREDENTIALS in value)
        ]
        if self.failpoints:
            offending.append("SPORTELLO_FAILPOINTS")
        if offending:
            raise ValueError(
                "production mode refuses demo values; set real ones for: " + ", ".join(offending)
            )
        return self


class TokenSettings(ServiceSettings):
    """For the deployables that sign (identity) or verify (gateway) access tokens.

    No secret here: identity signs with private keys of its own, and the gateway verifies
    with the public ones identity publishes.
    """

    token_issuer: str = Field("sportello-identity", validation_alias="TOKEN_ISSUER")
    # Who the access tokens are for: the gateway refuses a token meant for anyone else.
    token_audience: str = Field("sportello-gateway", validation_alias="TOKEN_AUDIENCE")
