"""The one place that wires identity's real dependencies (no I/O happens here)."""

from dataclasses import replace
from datetime import timedelta

from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import (
    AccountRecoveryAsked,
    PasswordChanged,
    PasswordResetIssued,
)
from sportello_contracts.identity import AccountActivity, AccountRegistered, ScopeChanged
from sportello_contracts.personal_data import PersonalDataChangeRequested
from sportello_identity.adapters.clock import SystemClock
from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.adapters.tokens import TokenIssuer
from sportello_identity.domain.attempts import GuessLimit, GuessLimits
from sportello_identity.domain.challenges import RecoveryRules
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.service import Service


def bootstrap(
    settings: IdentitySettings | None = None,
) -> tuple[Service, Dependencies, Dependencies]:
    """The service, with what its requests and its events depend on.

    The two differ only in how long a hash waits for a slot of the one pool: a request briefly
    (someone is waiting for the answer), an event longer (a bulk onboarding should queue for the
    pool, not churn through retries into the dead letters).
    """
    settings = settings or IdentitySettings()
    service = Service("identity", settings, database=settings.database)
    store = IdentityStore(service.database.db)
    argon2 = hasher(settings)
    deps = Dependencies(
        store=store,
        hasher=argon2,
        clock=SystemClock(),
        tokens=TokenIssuer(
            settings.token_secret,
            settings.token_issuer,
            timedelta(minutes=settings.access_token_minutes),
        ),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
        limits=guess_limits(settings),
        transactions=service,
        recovery=recovery_rules(settings),
    )
    events = replace(deps, hasher=argon2.waiting(settings.hashing_event_wait_seconds))
    service.emits(AccountRegistered, ScopeChanged, AccountActivity)
    service.emits(AccountRecoveryAsked, PasswordResetIssued, PasswordChanged)
    service.emits(EmailConfirmationIssued, EmailChanged, PhoneCodeIssued, PhoneChanged)
    service.emits(PersonalDataChangeRequested)
    service.on_startup(store.create_indexes)
    return service, deps, events


def hasher(settings: IdentitySettings) -> Argon2Hasher:
    """Argon2id at the settings' cost, in a pool of as many slots as the memory set aside holds."""
    parameters = Argon2Parameters(
        time_cost=settings.hashing_time_cost,
        memory_kib=settings.hashing_memory_kib,
        parallelism=settings.hashing_parallelism,
    )
    pool = HashingPool(parameters.slots_within(settings.hashing_memory_mib))
    return Argon2Hasher(parameters, pool, settings.hashing_wait_seconds)


def guess_limits(settings: IdentitySettings) -> GuessLimits:
    s = settings

    def limit(free_failures: int, lock_failures: int, lock_seconds: float) -> GuessLimit:
        return GuessLimit(
            free_failures=free_failures,
            lock_failures=lock_failures,
            lock_for=timedelta(seconds=lock_seconds),
            first_delay=timedelta(seconds=s.guess_first_delay_seconds),
            max_delay=timedelta(seconds=s.guess_max_delay_seconds),
        )

    return GuessLimits(
        per_username=limit(s.login_free_failures, s.login_lock_failures, s.login_lock_seconds),
        per_fiscal_code=limit(s.pin_free_failures, s.pin_lock_failures, s.pin_lock_seconds),
        per_address=limit(s.address_free_failures, s.address_lock_failures, s.address_lock_seconds),
        failure_alert_per_minute=s.failure_alert_per_minute,
    )


def recovery_rules(settings: IdentitySettings) -> RecoveryRules:
    s = settings
    return RecoveryRules(
        link_ttl=timedelta(minutes=s.reset_link_minutes),
        email_link_ttl=timedelta(hours=s.email_link_hours),
        phone_code_ttl=timedelta(minutes=s.phone_code_minutes),
        phone_code_attempts=s.phone_code_attempts,
        per_recipient=GuessLimit(
            free_failures=s.recovery_free_requests,
            lock_failures=s.recovery_lock_requests,
            lock_for=timedelta(seconds=s.recovery_lock_seconds),
            first_delay=timedelta(seconds=s.guess_first_delay_seconds),
            max_delay=timedelta(seconds=s.guess_max_delay_seconds),
        ),
    )
