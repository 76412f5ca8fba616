"""Log-in, refresh and log-out: access and refresh tokens, with limits on password guessing."""

from contextlib import suppress
from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.identity import (
    EndSessionRequest,
    LogInRequest,
    RefreshSessionRequest,
    SessionEndedReply,
    SessionReply,
)
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import log_in_refusal, username_subject
from sportello_identity.domain.errors import HashingBusy, SessionEnded, WrongCredentials
from sportello_identity.domain.sessions import SessionRecord
from sportello_identity.usecases import activity, second_factor
from sportello_identity.usecases.guesses import Guess, address_limited
from sportello_identity.usecases.ports import DbSession, Dependencies, Transaction


async def log_in(deps: Dependencies, request: LogInRequest) -> SessionReply:
    """A session for the right password; every guess counted first, per username and address.

    An unknown username goes through the same steps, counts and hash as a known one, so
    neither the answers nor their timing say which usernames exist.
    """
    user = username_subject(request.username)
    guess = Guess(
        deps,
        [(user, deps.limits.per_username), *address_limited(deps, request.client_address)],
    )
    if waits := await guess.reserve():
        raise log_in_refusal(waits, user, guess.now)
    async with guess.checking():
        account = await deps.store.account_by_username(request.username)
        hashed = account.password_hash if account else None
        right = await deps.hasher.verify(hashed, request.password)
    if not right or account is None:
        await guess.failed()
        if account is not None:
            await deps.transactions.transaction(
                lambda tx: activity.record(
                    deps,
                    tx,
                    account.account_id,
                    "login.failed",
                    client_address=request.client_address,
                )
            )
        raise WrongCredentials()
    await guess.succeeded(forget={user})
    if deps.hasher.needs_rehash(account.password_hash):
        with suppress(HashingBusy):  # the next log-in does it: this one is not refused for it
            await deps.store.set_password_hash(
                account.account_id, await deps.hasher.hash(request.password)
            )
    # Second factor (usecases/second_factor.py): with TOTP on, the right password earns only a
    # challenge (`SecondFactorRequired`); the session opens at the second step.
    await second_factor.challenge_if_enabled(deps, account)
    return await deps.transactions.transaction(
        lambda tx: open_session(deps, tx, account, client_address=request.client_address)
    )


async def end_login_lock(deps: Dependencies, username: str) -> None:
    """Forget the username's wrong passwords, and the lock they led to (a password reset)."""
    await deps.store.forget_attempts(username_subject(username))


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
    return await _issue(deps, account, family=spent.family)


async def end_session(deps: Dependencies, request: EndSessionRequest) -> SessionEndedReply:
    """Log out: every refresh token of the session's line ends, the one given and any traded.

    The same answer for a token that is live, spent, expired or was never issued: it tells
    nobody which tokens exist (RFC 7009, 2.2), and ending a session twice ends it once. The
    access token lives on until it expires, minutes at most.
    """
    ended = await deps.store.spend_session(deps.tokens.refresh_token_key(request.refresh_token))
    if ended is not None:
        await deps.store.revoke_family(ended.family)
    return SessionEndedReply()


async def open_session(
    deps: Dependencies,
    tx: Transaction,
    account: Account,
    *,
    client_address: IPv4Address | IPv6Address | None,
    method: str = "password",
) -> SessionReply:
    """A new session (a new line of refresh tokens) for an account that proved who it is.

    Every way in ends here (password, second factor, passkey): the session and its entry in
    the account's trail commit together.
    """
    reply = await _issue(deps, account, family=uuid4().hex, db=tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "session.opened",
        client_address=client_address,
        details={"method": method},
    )
    return reply


async def end_all_sessions(
    deps: Dependencies, tx: Transaction, account_id: str, *, keep: str | None = None
) -> None:
    """End every session of the account but `keep` (the caller's own, after a password change).

    The access tokens already issued live on until they expire (minutes at most).
    """
    await deps.store.revoke_sessions_of(account_id, keep=keep, session=tx.session)


async def _issue(
    deps: Dependencies, account: Account, family: str, db: DbSession = None
) -> SessionReply:
    refresh_token = deps.tokens.new_refresh_token()
    await deps.store.insert_session(
        SessionRecord(
            key=deps.tokens.refresh_token_key(refresh_token),
            account_id=account.account_id,
            family=family,
            expires_at=deps.clock.now() + deps.refresh_ttl,
        ),
        db,
    )
    return SessionReply(
        access_token=deps.tokens.access_token(account.account_id, account.role),
        refresh_token=refresh_token,
        expires_in=int(deps.tokens.access_ttl.total_seconds()),
    )
