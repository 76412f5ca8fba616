"""HTTP routes, one module per resource."""

from sportello_gateway.routes import (
    administrators,
    auth,
    health,
    operators,
    profile,
    second_factor,
    trail,
)

ROUTERS = (
    auth.router,
    profile.router,
    health.router,
    second_factor.router,
    operators.router,
    administrators.router,
    trail.router,
)
