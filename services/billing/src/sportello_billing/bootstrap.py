"""The one place that wires billing's real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sportello_billing.adapters import hosted_checkout
from sportello_billing.adapters.pdf import SupplierInfo
from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.instalments import InstalmentRules
from sportello_billing.settings import BillingSettings
from sportello_billing.usecases.ports import Needs, Rules
from sportello_contracts.account_deletion import BillingAccountDataErased
from sportello_contracts.billing_profiles import BillingProfilesChanged, DirectDebitRequested
from sportello_contracts.payments import (
    BillOverpaid,
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_kit.service import Service


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        # Bills' dates are Italian calendar days; at UTC midnight Italy is an hour or two on,
        # which shifts "overdue" by that much at most.
        return datetime.now(UTC).date()


@dataclass(frozen=True)
class Dependencies:
    settings: BillingSettings
    store: BillingStore
    needs: Needs


def rules_of(settings: BillingSettings) -> Rules:
    return Rules(
        iban_key=settings.iban_key,
        portal_url=settings.portal_url.rstrip("/"),
        creditor_fiscal_code=settings.creditor_fiscal_code,
        segregation_code=settings.segregation_code,
        bills_window_months=settings.bills_window_months,
        time_bar_years=settings.time_bar_years,
        checkout_seconds=settings.payments_checkout_seconds,
        unregistered_after_days=settings.payments_unregistered_after_days,
        instalments=InstalmentRules(
            high_ratio_domestic=Decimal(str(settings.instalment_ratio_domestic)),
            high_ratio_non_domestic=Decimal(str(settings.instalment_ratio_non_domestic)),
            ask_within_days_after_due=settings.instalment_ask_days,
            minimum_amount_cents=settings.instalment_minimum_cents,
            minimum_instalments=settings.instalment_minimum_count,
        ),
    )


def supplier_of(settings: BillingSettings) -> SupplierInfo:
    return SupplierInfo(
        name=settings.supplier_name,
        address=settings.supplier_address,
        vat_number=settings.supplier_vat_number,
        complaint_address=settings.complaints_address,
        complaint_email=settings.complaints_email,
        toll_free_number=settings.toll_free_number,
        website=settings.website,
        creditor_fiscal_code=settings.creditor_fiscal_code,
    )


def bootstrap(settings: BillingSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or BillingSettings()
    service = Service("billing", settings, database=settings.database)
    store = BillingStore(service.database.db)
    provider = hosted_checkout.from_settings(settings)
    needs = Needs(
        store=store,
        clock=SystemClock(),
        rules=rules_of(settings),
        supplier=supplier_of(settings),
        providers={provider.name: provider},
        provider=provider.name,
        transaction=service.transaction,
    )
    deps = Dependencies(settings=settings, store=store, needs=needs)
    service.on_startup(deps.store.create_indexes)
    service.app.after_shutdown(provider.aclose)
    service.emits(
        BillingAccountDataErased,
        BillingProfilesChanged,
        DirectDebitRequested,
        OnlinePaymentSucceeded,
        BillPaymentRegistered,
        BillOverpaid,
        MandateChanged,
    )
    return service, deps
