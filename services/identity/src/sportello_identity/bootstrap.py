"""The one place that wires identity's real dependencies (no I/O happens here)."""

from datetime import timedelta

from sportello_contracts.identity import AccountRegistered, ScopeChanged
from sportello_identity.adapters.clock import SystemClock
from sportello_identity.adapters.hashing import Argon2Hasher
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.adapters.tokens import TokenIssuer
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.service import Service


def bootstrap(settings: IdentitySettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or IdentitySettings()
    service = Service("identity", settings, database=settings.database)
    store = IdentityStore(service.database.db)
    deps = Dependencies(
        store=store,
        hasher=Argon2Hasher(),
        clock=SystemClock(),
        tokens=TokenIssuer(
            settings.token_secret,
            settings.token_issuer,
            timedelta(minutes=settings.access_token_minutes),
        ),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
    )
    service.emits(AccountRegistered, ScopeChanged)
    service.on_startup(store.create_indexes)
    return service, deps
