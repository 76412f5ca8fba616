"""The account a use case acts on, or `AccountNotFound`: the one way to look it up."""

from sportello_contracts.rpc import Caller
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import AccountNotFound
from sportello_identity.usecases.ports import Dependencies


async def existing_account(deps: Dependencies, account_id: str) -> Account:
    account = await deps.store.account(account_id)
    if account is None:
        raise AccountNotFound()
    return account


async def account_of_caller(deps: Dependencies, caller: Caller | None) -> Account:
    """The account a request with a caller acts on (the kit refuses one without)."""
    assert caller is not None
    return await existing_account(deps, caller.user_id)
