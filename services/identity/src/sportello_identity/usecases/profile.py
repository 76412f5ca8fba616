"""What an account is and may act on."""

from sportello_contracts.identity import ProfileReply, ScopeReply
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.challenges import Purpose
from sportello_identity.domain.operators import permissions_in_force
from sportello_identity.usecases.accounts import existing_account
from sportello_identity.usecases.ports import Dependencies
from sportello_identity.usecases.sessions import ended_sessions_kept


async def profile_of(deps: Dependencies, account_id: str) -> ProfileReply:
    account = await existing_account(deps, account_id)
    return ProfileReply(
        account_id=account.account_id,
        username=account.username,
        email=account.contact_email,
        full_name=account.full_name,
        fiscal_code=account.fiscal_code or None,
        role=account.role,
        customer_codes=account.customer_codes,
        registered_at=account.registered_at,
        totp_enabled=account.totp_enabled,
        permissions=permissions_in_force(account),
        pending_email=await pending_email(deps, account),
        phone=account.phone,
        preferred_channel=account.preferred_channel,
        preferred_times=account.preferred_times,
    )


async def scope_of(deps: Dependencies, account_id: str) -> ScopeReply:
    account = await existing_account(deps, account_id)
    return ScopeReply(
        account_id=account.account_id,
        role=account.role,
        customer_codes=account.customer_codes,
        ended_sessions=tuple(
            await deps.store.ended_lines_of(
                account_id, since=deps.clock.now() - ended_sessions_kept(deps)
            )
        ),
        permissions=permissions_in_force(account),
    )


async def pending_email(deps: Dependencies, account: Account) -> str | None:
    """The address waiting for its link to be followed, if any (a link still usable)."""
    challenge = await deps.store.pending_challenge(account.account_id, Purpose.EMAIL_CONFIRMATION)
    if challenge is None or not challenge.usable(deps.clock.now()):
        return None
    return challenge.target
