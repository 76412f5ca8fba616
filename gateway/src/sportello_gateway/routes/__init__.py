"""HTTP routes, one module per resource."""

from sportello_gateway.routes import auth, health, profile, sessions, well_known

ROUTERS = (auth.router, profile.router, health.router, sessions.router, well_known.router)
