"""The rules of a refresh, the devices sessions are shown with, and the signing settings."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from sportello_identity.domain.devices import UNKNOWN_DEVICE, describe_device
from sportello_identity.domain.sessions import (
    Refresh,
    SessionLine,
    SessionRecord,
    judge_refresh,
    refresh_expiry,
)
from sportello_identity.settings import IdentitySettings
from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=10)
LINE = SessionLine("line-1", "acc-1", NOW, NOW + timedelta(days=30), NOW)
TOKEN = SessionRecord("digest", "acc-1", "line-1", NOW + timedelta(days=30))


def spent(at: datetime) -> SessionRecord:
    return SessionRecord("digest", "acc-1", "line-1", NOW + timedelta(days=30), True, at)


@pytest.mark.parametrize(
    ("record", "line", "verdict"),
    [
        (TOKEN, LINE, Refresh.TRADE),
        (spent(NOW - GRACE), LINE, Refresh.DOUBLE_SUBMIT),
        (spent(NOW - GRACE - timedelta(milliseconds=1)), LINE, Refresh.REPLAYED),
        (None, LINE, Refresh.REFUSED),
        (TOKEN, None, Refresh.REFUSED),
        (TOKEN, SessionLine("line-1", "acc-1", NOW, NOW, NOW), Refresh.REFUSED),  # past its end
        (
            TOKEN,
            SessionLine("line-1", "acc-1", NOW, LINE.expires_at, NOW, ended_at=NOW),
            Refresh.REFUSED,
        ),
        (SessionRecord("digest", "acc-1", "line-1", NOW), LINE, Refresh.REFUSED),  # expired
        # A double submit of a line that ended meanwhile gets nothing.
        (spent(NOW), SessionLine("line-1", "acc-1", NOW, NOW, NOW), Refresh.REFUSED),
    ],
)
def test_what_a_refresh_token_presented_is_worth(
    record: SessionRecord | None, line: SessionLine | None, verdict: Refresh
) -> None:
    assert judge_refresh(record, line, NOW, GRACE) is verdict


def test_a_new_refresh_token_never_outlives_its_line() -> None:
    assert refresh_expiry(LINE, NOW, timedelta(days=7)) == NOW + timedelta(days=7)
    late = NOW + timedelta(days=28)
    assert refresh_expiry(LINE, late, timedelta(days=7)) == LINE.expires_at


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome su Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge su Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari su iPhone",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome su Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox su macOS",
        ),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.28.1", UNKNOWN_DEVICE),
        (None, UNKNOWN_DEVICE),
        ("", UNKNOWN_DEVICE),
    ],
)
def test_a_device_is_named_from_its_user_agent(user_agent: str | None, device: str) -> None:
    assert describe_device(user_agent) == device


def test_production_refuses_the_demo_key_encryption_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTELLO_ENV", "production")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://sportello:s3cret@broker:5672/")
    monkeypatch.delenv("IDENTITY_KEY_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ValidationError, match="key_encryption_key"):
        IdentitySettings()
    monkeypatch.setenv("IDENTITY_KEY_ENCRYPTION_KEY", "a-real-key-from-the-vault-0123456789")
    with pytest.raises(ValidationError, match="IDENTITY_PASSKEY_RP_ID"):
        IdentitySettings()  # passkeys bound to localhost
    monkeypatch.setenv("IDENTITY_PASSKEY_RP_ID", "area-clienti.example.it")
    monkeypatch.setenv("IDENTITY_PASSKEY_ORIGINS", '["http://area-clienti.example.it"]')
    with pytest.raises(ValidationError, match="https"):
        IdentitySettings()
    monkeypatch.setenv("IDENTITY_PASSKEY_ORIGINS", '["https://area-clienti.example.it"]')
    settings = IdentitySettings()
    assert settings.production
    assert settings.key_encryption_key not in repr(settings)
    assert settings.key_encryption_key != DEMO_KEY_ENCRYPTION_KEY


def test_a_short_key_encryption_key_is_refused_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_KEY_ENCRYPTION_KEY", "short")
    with pytest.raises(ValidationError):
        IdentitySettings()
