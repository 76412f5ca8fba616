"""The session a store's records join: a handler's transaction, or none."""

from pymongo.asynchronous.client_session import AsyncClientSession

Session = AsyncClientSession | None
