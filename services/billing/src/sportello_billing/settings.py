"""Billing's settings (env prefix `BILLING_`; the shared ones keep their plain names).

The regulator's figures (ARERA's TIF) are named settings here, never numbers in the code.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY, ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    database: str = "sportello_billing"
    # The key of the digest that tells two IBANs apart without keeping them (refused as the
    # demo value in production).
    iban_key: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=32, repr=False)
    # Where a bill's page is (its QR code and personal link): `{portal_url}/bollette/<number>`.
    portal_url: str = "http://127.0.0.1:8000"
    # The supplier, as its bills and their complaint box print it.
    supplier_name: str = "Sportello Energia S.p.A."
    supplier_address: str = "Via dell'Energia 1, 00144 Roma (RM)"
    supplier_vat_number: str = "01234567890"
    complaints_address: str = "Sportello Energia - Reclami, Casella Postale 123, 00144 Roma"
    complaints_email: str = "reclami@sportello.example"
    toll_free_number: str = "800 123 456"
    website: str = "https://www.sportello.example"
    # pagoPA: the creditor's fiscal code (11 digits) and its segregation code (2 digits).
    creditor_fiscal_code: str = Field("01234567890", pattern=r"^[0-9]{11}$")
    segregation_code: str = Field("01", pattern=r"^[0-9]{2}$")
    # Bills shown: those issued in the last so many months.
    bills_window_months: int = Field(24, ge=1, le=120)
    # Consumption billed more than so many years late is time-barred (prescrizione biennale).
    time_bar_years: int = Field(2, ge=1, le=10)
    # Instalments (TIF): offered at this ratio of the 12-month average, asked within so many
    # days after the due date, for at least this amount, in at least this many instalments.
    instalment_ratio_domestic: float = Field(1.5, gt=1)
    instalment_ratio_non_domestic: float = Field(2.5, gt=1)
    instalment_ask_days: int = Field(10, ge=0)
    instalment_minimum_cents: int = Field(5000, ge=0)
    instalment_minimum_count: int = Field(2, ge=2)
    # Paying online ("paga ora"): the payment provider's API, where its hosted checkouts are.
    # The sandbox (deploy's `payment_sandbox`) in the local run and the tests; the key and the
    # callbacks' signing secret are refused as the demo value in production.
    payments_provider: str = Field("sandbox", pattern=r"^[a-z][a-z0-9-]{1,29}$")
    payments_provider_url: str = "http://127.0.0.1:8030"
    payments_provider_api_key: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=16, repr=False)
    payments_webhook_secret: str = Field(DEMO_KEY_ENCRYPTION_KEY, min_length=32, repr=False)
    payments_provider_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # A callback signed longer ago than this is refused (a replay of an old one).
    payments_callback_tolerance_seconds: int = Field(300, ge=30, le=3600)
    # An abandoned checkout frees its bill after so many seconds.
    payments_checkout_seconds: int = Field(30 * 60, ge=5, le=24 * 3600)
    # An online payment the back-office has not registered after so many days is flagged on
    # the bill, which then offers a complaint about it.
    payments_unregistered_after_days: int = Field(5, ge=1, le=60)
