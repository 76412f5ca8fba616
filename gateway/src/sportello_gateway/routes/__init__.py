"""HTTP routes, one module per resource."""

from sportello_gateway.routes import (
    auth,
    contacts,
    credentials,
    health,
    personal_data,
    profile,
)

ROUTERS = (
    auth.router,
    profile.router,
    health.router,
    credentials.router,
    contacts.router,
    personal_data.router,
)
