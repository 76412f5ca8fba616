"""HTTP routes, one module per resource."""

from sportello_gateway.routes import auth, contacts, credentials, health, profile

ROUTERS = (auth.router, profile.router, health.router, credentials.router, contacts.router)
