"""What an account is and may act on."""

from sportello_contracts.identity import ProfileReply, ScopeReply
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import AccountNotFound
from sportello_identity.usecases.email_address import pending_email
from sportello_identity.usecases.ports import Dependencies


async def profile_of(deps: Dependencies, account_id: str) -> ProfileReply:
    account = await _account(deps, account_id)
    return ProfileReply(
        account_id=account.account_id,
        username=account.username,
        email=account.contact_email,
        full_name=account.full_name,
        fiscal_code=account.fiscal_code,
        role=account.role,
        customer_codes=account.customer_codes,
        registered_at=account.registered_at,
        pending_email=await pending_email(deps, account),
        phone=account.phone,
    )


async def scope_of(deps: Dependencies, account_id: str) -> ScopeReply:
    account = await _account(deps, account_id)
    return ScopeReply(
        account_id=account.account_id,
        role=account.role,
        customer_codes=account.customer_codes,
    )


async def _account(deps: Dependencies, account_id: str) -> Account:
    account = await deps.store.account(account_id)
    if account is None:
        raise AccountNotFound()
    return account
