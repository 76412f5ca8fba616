"""Identity's commands for operators: `sportello-identity rotate-keys`."""

import asyncio
import sys

from sportello_identity.adapters.clock import SystemClock
from sportello_identity.bootstrap import key_ring, signing_key_store
from sportello_identity.settings import IdentitySettings
from sportello_kit.service import Service


async def rotate_keys(settings: IdentitySettings | None = None) -> str:
    """Make the next signing key now; it signs once published for the lead time. Its id."""
    settings = settings or IdentitySettings()
    service = Service("identity", settings, database=settings.database)
    store = signing_key_store(settings, service)
    ring = key_ring(settings, store, SystemClock())
    try:
        await store.create_indexes()
        key = await ring.rotate()
    finally:
        await service.database.client.close()
    return key.kid


def run_command(argv: list[str]) -> bool:
    """Run the command `argv` names, if it names one; whether it did."""
    if argv != ["rotate-keys"]:
        return False
    kid = asyncio.run(rotate_keys())
    sys.stdout.write(f"new signing key {kid}\n")
    return True
