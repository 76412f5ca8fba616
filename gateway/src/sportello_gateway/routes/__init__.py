"""HTTP routes, one module per resource."""

from sportello_gateway.routes import (
    account_deletion,
    administrators,
    auth,
    contacts,
    credentials,
    health,
    legacy_accounts,
    operators,
    passkeys,
    personal_data,
    profile,
    second_factor,
    sessions,
    trail,
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
    second_factor.router,
    operators.router,
    administrators.router,
    trail.router,
    credentials.router,
    contacts.router,
    personal_data.router,
)
