"""Settings: local defaults work out of the box; production refuses them."""

import pytest
from pydantic import ValidationError

from sportello_kit.settings import ServiceSettings, TokenSettings


def test_development_needs_nothing_more_than_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RABBITMQ_URL", "MONGO_URL", "BUS_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPORTELLO_ENV", "development")
    settings = TokenSettings()
    assert not settings.production
    assert settings.bus_prefix == "sportello"


def test_an_unconfigured_deployable_assumes_production_and_refuses_demo_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SPORTELLO_ENV", "RABBITMQ_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as refused:
        TokenSettings()
    assert "rabbitmq_url" in str(refused.value)


def test_shared_variables_keep_their_plain_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "amqp://u:p@broker:5672/")
    monkeypatch.setenv("BUS_PREFIX", "staging")
    settings = ServiceSettings()
    assert settings.rabbitmq_url == "amqp://u:p@broker:5672/"
    assert settings.bus_prefix == "staging"


def test_the_token_settings_hold_no_secret() -> None:
    # Identity signs with keys of its own; the gateway verifies with the public ones.
    assert "token_secret" not in TokenSettings.model_fields


def test_production_refuses_the_brokers_guest_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTELLO_ENV", "production")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@broker:5672/")
    with pytest.raises(ValidationError, match="rabbitmq_url"):
        ServiceSettings()


def test_a_bus_prefix_is_a_plain_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUS_PREFIX", "has spaces.and.dots")
    with pytest.raises(ValidationError):
        ServiceSettings()
