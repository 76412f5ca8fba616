"""Notifications' settings (env prefix `NOTIFICATIONS_`; the shared ones keep their plain names)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", frozen=True)

    database: str = "sportello_notifications"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    smtp_starttls: bool = False
    smtp_timeout: float = Field(10.0, gt=0)
    sender: str = "Area Clienti <noreply@sportello.example>"
    portal_url: str = "http://127.0.0.1:8000/docs"
    # The web app's page that reads a reset link's token (after `#token=`) and asks for the
    # new password.
    reset_page_url: str = "http://127.0.0.1:8000/reimposta-password"
    # The web app's page that reads an e-mail confirmation link's token (after `#token=`).
    email_confirmation_page_url: str = "http://127.0.0.1:8000/conferma-email"
    # Where texts (SMS) go until real providers come (issue 21): one file per message in its
    # `new/` folder.
    sms_folder: str = "var/sms"
