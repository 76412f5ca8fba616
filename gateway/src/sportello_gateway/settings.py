"""The gateway's settings (env prefix `GATEWAY_`; the shared ones keep their plain names)."""

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from sportello_kit.settings import TokenSettings

IPNetwork = IPv4Network | IPv6Network


class GatewaySettings(TokenSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # The operators' port: `/health` with every service's detail. Not for the public: what is
    # down, and which versions run, helps an attacker more than a customer.
    internal_host: str = "127.0.0.1"
    internal_port: int = Field(8001, ge=1, le=65535)
    # How long one call to a service may take before the client gets a 503.
    call_timeout: float = Field(5.0, gt=0, le=60)
    # How long a resolved scope (the customer codes a user may act on) is trusted, and how many
    # accounts' scopes are kept at most (the least recently used go first).
    scope_ttl: float = Field(30.0, ge=0, le=600)
    scope_cache_size: int = Field(10_000, ge=1, le=10_000_000)
    # How long identity's public keys are kept before they are fetched again (identity
    # publishes a key longer than this before it signs: IDENTITY_SIGNING_KEY_LEAD_SECONDS), and
    # how often at most a token naming an unknown key makes the gateway fetch them early.
    jwks_ttl: float = Field(300.0, gt=0, le=3600)
    jwks_refetch_seconds: float = Field(10.0, gt=0, le=600)
    health_timeout: float = Field(1.0, gt=0, le=10)
    # The proxies (load balancers, ingress) whose `X-Forwarded-For` is believed, as addresses or
    # networks, comma-separated. None by default: anyone can write that header.
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # The largest request body read; a bigger one is a 413. Every body of the API is under 2 KiB.
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        # `10.0.0.0/8,192.0.2.7` reads better in an environment than a JSON list; a host address
        # with a mask (`10.1.2.3/8`) means its network, as an operator would mean it.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return tuple(ip_network(str(part), strict=False) for part in value)
        return value
