"""The one place that wires identity's real dependencies (no I/O happens here)."""

from dataclasses import replace
from datetime import timedelta

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
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
from sportello_contracts.identity import (
    AccountActivity,
    AccountRegistered,
    ScopeChanged,
    SessionsEnded,
)
from sportello_contracts.personal_data import PersonalDataChangeRequested
from sportello_contracts.recipients import AccountContactSet
from sportello_identity.adapters.clock import SystemClock
from sportello_identity.adapters.deletion_store import MongoDeletionStore
from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.passkey_store import MongoPasskeyStore
from sportello_identity.adapters.relying_party import WebAuthnRelyingParty
from sportello_identity.adapters.sealing import TOTP_SECRETS, KeySealer
from sportello_identity.adapters.signing_keys import KeyRing, SigningKeyStore
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.adapters.tokens import TokenIssuer
from sportello_identity.domain.attempts import GuessLimit, GuessLimits
from sportello_identity.domain.challenges import RecoveryRules
from sportello_identity.domain.signing_keys import KeyTimes
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases.ports import (
    DeletionDependencies,
    Dependencies,
    PasskeyDependencies,
)
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
    store = IdentityStore(service.database.db, KeySealer(settings.key_encryption_key, TOTP_SECRETS))
    argon2 = hasher(settings)
    clock = SystemClock()
    keys_store = signing_key_store(settings, service)
    keys = key_ring(settings, keys_store, clock)
    deps = Dependencies(
        store=store,
        hasher=argon2,
        clock=clock,
        tokens=TokenIssuer(
            keys,
            settings.token_issuer,
            settings.token_audience,
            timedelta(minutes=settings.access_token_minutes),
        ),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
        limits=guess_limits(settings),
        transactions=service,
        session_lifetime=timedelta(days=settings.session_absolute_days),
        refresh_grace=timedelta(seconds=settings.refresh_grace_seconds),
        challenge_ttl=timedelta(seconds=settings.login_challenge_seconds),
        totp_issuer=settings.totp_issuer,
        administrator_code_ttl=timedelta(days=settings.administrator_code_days),
        recovery=recovery_rules(settings),
    )
    events = replace(deps, hasher=argon2.waiting(settings.hashing_event_wait_seconds))
    service.emits(AccountRegistered, ScopeChanged, AccountActivity, SessionsEnded)
    service.emits(AdministratorCodeIssued)
    service.emits(AccountRecoveryAsked, PasswordResetIssued, PasswordChanged)
    service.emits(EmailConfirmationIssued, EmailChanged, PhoneCodeIssued, PhoneChanged)
    service.emits(PersonalDataChangeRequested)
    service.emits(AccountContactSet)
    service.on_startup(store.create_indexes)
    service.on_startup(keys_store.create_indexes)
    service.on_startup(keys.ready)
    return service, deps, events


def signing_key_store(settings: IdentitySettings, service: Service) -> SigningKeyStore:
    """The signing keys, in identity's database, sealed with the key-encryption key."""
    return SigningKeyStore(service.database.db, KeySealer(settings.key_encryption_key))


def key_ring(settings: IdentitySettings, store: SigningKeyStore, clock: SystemClock) -> KeyRing:
    """The keys as the settings rule them: rotated, published ahead, retired."""
    times = KeyTimes(
        rotate_every=timedelta(days=settings.signing_key_rotation_days),
        lead=timedelta(seconds=settings.signing_key_lead_seconds),
        token_lifetime=timedelta(minutes=settings.access_token_minutes),
        reload=timedelta(seconds=settings.signing_key_reload_seconds),
    )
    return KeyRing(store, times, clock.now)


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


def passkey_dependencies(service: Service) -> PasskeyDependencies:
    """The passkeys' store and relying party, on the service's database and settings."""
    settings = service.settings
    assert isinstance(settings, IdentitySettings)
    store = MongoPasskeyStore(service.database.db)
    service.on_startup(store.create_indexes)
    return PasskeyDependencies(
        passkeys=store,
        relying_party=WebAuthnRelyingParty(
            settings.passkey_rp_id,
            settings.passkey_rp_name,
            settings.passkey_origins,
            settings.passkey_challenge_seconds,
        ),
        challenge_ttl=timedelta(seconds=settings.passkey_challenge_seconds),
        sign_ins_per_minute=settings.passkey_sign_ins_per_minute,
    )


def deletion_dependencies(service: Service, keys: PasskeyDependencies) -> DeletionDependencies:
    """The deletions' store, on the service's database, with its settings."""
    settings = service.settings
    assert isinstance(settings, IdentitySettings)
    store = MongoDeletionStore(service.database.db)
    service.on_startup(store.create_indexes)
    service.emits(AccountDeleted)
    return DeletionDependencies(
        deletions=store,
        passkeys=keys,
        confirm_within=timedelta(seconds=settings.deletion_confirm_seconds),
        expected_services=settings.deletion_expected_services,
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
