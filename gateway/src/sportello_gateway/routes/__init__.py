"""HTTP routes, one module per resource."""

from sportello_gateway.routes import (
    account_deletion,
    auth,
    health,
    legacy_accounts,
    passkeys,
    profile,
    sessions,
    well_known,
)

ROUTERS = (
    auth.router,
    profile.router,
    health.router,
    sessions.router,
    well_known.router,
    legacy_accounts.router,
    passkeys.router,
    account_deletion.router,
)
