"""The one place that wires identity's real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from datetime import timedelta

from sportello_contracts.identity import AccountRegistered, ScopeChanged
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.adapters.tokens import TokenIssuer
from sportello_identity.settings import IdentitySettings
from sportello_kit.mongo import Database
from sportello_kit.outbox import Outbox
from sportello_kit.service import Service


@dataclass(frozen=True)
class Dependencies:
    settings: IdentitySettings
    database: Database
    outbox: Outbox
    store: IdentityStore
    tokens: TokenIssuer


def bootstrap(settings: IdentitySettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or IdentitySettings()
    service = Service("identity", settings, database=settings.database)
    deps = Dependencies(
        settings=settings,
        database=service.database,
        outbox=service.outbox,
        store=IdentityStore(service.database.db),
        tokens=TokenIssuer(
            settings.token_secret,
            settings.token_issuer,
            timedelta(minutes=settings.access_token_minutes),
        ),
    )
    service.emits(AccountRegistered, ScopeChanged)
    service.on_startup(deps.store.create_indexes)
    return service, deps
