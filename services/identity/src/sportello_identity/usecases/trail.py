"""The account's trail for its user, and for an operator reading a customer's (recorded)."""

from sportello_contracts.trail import (
    ActivityEntry,
    ActivityPage,
    CustomerActivityRequest,
    MyActivityRequest,
)
from sportello_identity.domain.errors import AccountNotFound
from sportello_identity.domain.trail import cursor_after, position_of
from sportello_identity.usecases import activity, operators
from sportello_identity.usecases.ports import Dependencies, Transaction


async def my_activity(deps: Dependencies, request: MyActivityRequest) -> ActivityPage:
    assert request.caller is not None
    return await _page(deps, request.caller.user_id, request.before, request.limit)


async def customer_activity(deps: Dependencies, request: CustomerActivityRequest) -> ActivityPage:
    """The account's trail for an operator with `accounts.read`; the access is recorded first,
    in the account's trail (its user sees every operator who looked) and the operator's."""
    assert request.caller is not None
    operator = await operators.require(
        deps, request.caller, "accounts.read", "customer_activity.read", request.client_address
    )
    if await deps.store.account(request.account_id) is None:
        raise AccountNotFound()

    async def record(tx: Transaction) -> None:
        await activity.record(
            deps, tx, request.account_id, "trail.read_by_operator", actor_id=operator.account_id
        )
        await activity.record(
            deps,
            tx,
            operator.account_id,
            "customer_trail.read",
            actor_id=operator.account_id,
            client_address=request.client_address,
            details={"account_id": request.account_id},
        )

    await deps.transactions.transaction(record)
    return await _page(deps, request.account_id, request.before, request.limit)


async def _page(
    deps: Dependencies, account_id: str, before: str | None, limit: int
) -> ActivityPage:
    position = position_of(before) if before is not None else None
    # One more than asked: whether there is a next page.
    found = await deps.store.activity_of(account_id, position, limit + 1)
    entries = found[:limit]
    return ActivityPage(
        entries=tuple(
            ActivityEntry(
                activity_id=e.activity_id,
                kind=e.kind,
                at=e.at,
                actor_id=e.actor_id,
                client_address=e.client_address,
                details=e.details,
            )
            for e in entries
        ),
        next_cursor=cursor_after(entries[-1]) if len(found) > limit else None,
    )
