"""Log-in and refresh: access and refresh tokens, with limits on password guessing."""

from uuid import uuid4

from sportello_contracts.identity import LogInRequest, RefreshSessionRequest, SessionReply
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import LOGIN_ATTEMPTS
from sportello_identity.domain.errors import AccountLocked, SessionEnded, WrongCredentials
from sportello_identity.domain.sessions import SessionRecord
from sportello_identity.usecases.ports import Dependencies


async def log_in(deps: Dependencies, request: LogInRequest) -> SessionReply:
    now = deps.clock.now()
    account = await deps.store.account_by_username(request.username)
    if account is not None and LOGIN_ATTEMPTS.locked(account.locked_until, now):
        raise AccountLocked()
    hashed = account.password_hash if account else None
    if not await deps.hasher.verify(hashed, request.password) or account is None:
        if account is not None:
            failures, locked_until = LOGIN_ATTEMPTS.after_failure(account.login_failures, now)
            await deps.store.record_login(account.account_id, failures, locked_until)
        raise WrongCredentials()
    if account.login_failures or account.locked_until:
        await deps.store.record_login(account.account_id, 0, None)
    if deps.hasher.needs_rehash(account.password_hash):
        await deps.store.set_password_hash(
            account.account_id, await deps.hasher.hash(request.password)
        )
    return await _open_session(deps, account, family=uuid4().hex)


async def refresh_session(deps: Dependencies, request: RefreshSessionRequest) -> SessionReply:
    spent = await deps.store.spend_session(deps.tokens.refresh_token_key(request.refresh_token))
    if spent is None or spent.expires_at <= deps.clock.now():
        raise SessionEnded()
    if spent.spent:
        # A refresh token used twice was stolen or replayed: end every session of its line.
        await deps.store.revoke_family(spent.family)
        raise SessionEnded()
    account = await deps.store.account(spent.account_id)
    if account is None:
        raise SessionEnded()
    return await _open_session(deps, account, family=spent.family)


async def _open_session(deps: Dependencies, account: Account, family: str) -> SessionReply:
    refresh_token = deps.tokens.new_refresh_token()
    await deps.store.insert_session(
        SessionRecord(
            key=deps.tokens.refresh_token_key(refresh_token),
            account_id=account.account_id,
            family=family,
            expires_at=deps.clock.now() + deps.refresh_ttl,
        )
    )
    return SessionReply(
        access_token=deps.tokens.access_token(account.account_id, account.role),
        refresh_token=refresh_token,
        expires_in=int(deps.tokens.access_ttl.total_seconds()),
    )
