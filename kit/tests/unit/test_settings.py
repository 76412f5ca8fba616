"""Settings: local defaults work out of the box; production refuses them."""

import pytest
from pydantic import ValidationError

from sportello_kit.settings import DEMO_TOKEN_SECRET, ServiceSettings, TokenSettings

REAL_SECRET = "a-real-secret-from-the-vault-0123456789"


def test_development_needs_nothing_more_than_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RABBITMQ_URL", "MONGO_URL", "BUS_PREFIX", "TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPORTELLO_ENV", "development")
    settings = TokenSettings()
    assert not settings.production
    assert settings.token_secret == DEMO_TOKEN_SECRET
    assert settings.bus_prefix == "sportello"


def test_an_unconfigured_deployable_assumes_production_and_refuses_demo_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SPORTELLO_ENV", "RABBITMQ_URL", "TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as refused:
        TokenSettings()
    # Both demo values are named, so one attempt tells the operator everything to set.
    assert "token_secret" in str(refused.value)
    assert "rabbitmq_url" in str(refused.value)


def test_shared_variables_keep_their_plain_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "amqp://u:p@broker:5672/")
    monkeypatch.setenv("BUS_PREFIX", "staging")
    settings = ServiceSettings()
    assert settings.rabbitmq_url == "amqp://u:p@broker:5672/"
    assert settings.bus_prefix == "staging"


def test_production_refuses_the_demo_token_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTELLO_ENV", "production")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://sportello:s3cret@broker:5672/")
    monkeypatch.delenv("TOKEN_SECRET", raising=False)
    with pytest.raises(ValidationError, match="token_secret"):
        TokenSettings()
    monkeypatch.setenv("TOKEN_SECRET", REAL_SECRET)
    assert TokenSettings().production


def test_production_refuses_the_brokers_guest_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTELLO_ENV", "production")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@broker:5672/")
    with pytest.raises(ValidationError, match="rabbitmq_url"):
        ServiceSettings()


def test_a_short_token_secret_is_refused_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_SECRET", "short")
    with pytest.raises(ValidationError):
        TokenSettings()


def test_a_bus_prefix_is_a_plain_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUS_PREFIX", "has spaces.and.dots")
    with pytest.raises(ValidationError):
        ServiceSettings()
