"""Recording what happens on an account: kept for operators, announced for the user's trail."""

from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.identity import AccountActivity
from sportello_identity.domain.activity import Activity
from sportello_identity.usecases.ports import Dependencies, Transaction


async def record(
    deps: Dependencies,
    tx: Transaction,
    account_id: str,
    kind: str,
    *,
    actor_id: str | None = None,
    client_address: IPv4Address | IPv6Address | None = None,
    details: dict[str, str] | None = None,
) -> Activity:
    """Keep one entry of the account's trail and announce it, in the caller's transaction."""
    entry = Activity(
        activity_id=uuid4().hex,
        account_id=account_id,
        kind=kind,
        at=deps.clock.now(),
        actor_id=actor_id,
        client_address=str(client_address) if client_address is not None else None,
        details=details or {},
    )
    await deps.store.insert_activity(entry, tx.session)
    await tx.emit(
        AccountActivity(
            activity_id=entry.activity_id,
            account_id=entry.account_id,
            kind=entry.kind,
            at=entry.at,
            actor_id=entry.actor_id,
            client_address=entry.client_address,
            details=entry.details,
        )
    )
    return entry
