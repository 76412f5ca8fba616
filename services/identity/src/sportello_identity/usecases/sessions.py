"""Log-in, refresh and log-out: access and refresh tokens, with limits on password guessing.

The sessions a user sees, and ends, are in `my_sessions`.
"""

from contextlib import suppress
from datetime import timedelta
from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.identity import (
    EndSessionRequest,
    LogInRequest,
    RefreshSessionRequest,
    SessionEndedReply,
    SessionReply,
    SessionsEnded,
)
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import log_in_refusal, username_subject
from sportello_identity.domain.errors import HashingBusy, SessionEnded, WrongCredentials
from sportello_identity.domain.legacy_hashes import legacy_hash
from sportello_identity.domain.sessions import (
    Refresh,
    SessionLine,
    SessionRecord,
    judge_refresh,
    refresh_expiry,
)
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
            # The older portal's hash (migrated accounts) is gone from now on: say so.
            if (legacy := legacy_hash(account.password_hash)) is not None:
                await deps.transactions.transaction(
                    lambda tx: activity.record(
                        deps,
                        tx,
                        account.account_id,
                        "password.upgraded",
                        client_address=request.client_address,
                        details={"from": legacy.scheme.value},
                    )
                )
    # Second factor (usecases/second_factor.py): with TOTP on, the right password earns only a
    # challenge (`SecondFactorRequired`); the session opens at the second step.
    await second_factor.challenge_if_enabled(deps, account)
    return await deps.transactions.transaction(
        lambda tx: open_session(
            deps,
            tx,
            account,
            client_address=request.client_address,
            user_agent=request.user_agent,
        )
    )


async def end_login_lock(deps: Dependencies, username: str) -> None:
    """Forget the username's wrong passwords, and the lock they led to (a password reset)."""
    await deps.store.forget_attempts(username_subject(username))


async def refresh_session(deps: Dependencies, request: RefreshSessionRequest) -> SessionReply:
    """A new pair for a live refresh token, which is spent; never beyond the line's end.

    A spent one presented again within the grace window (the answer to the first was lost on
    the way) gets a pair too; after it, the token was stolen or replayed: its line ends.
    """
    now = deps.clock.now()
    spent = await deps.store.spend_session(
        deps.tokens.refresh_token_key(request.refresh_token), now
    )
    line = await deps.store.line(spent.family) if spent is not None else None
    verdict = judge_refresh(spent, line, now, deps.refresh_grace)
    if verdict is Refresh.REFUSED or spent is None or line is None:
        raise SessionEnded()
    if verdict is Refresh.REPLAYED:
        await deps.transactions.transaction(
            lambda tx: end_lines(
                deps,
                tx,
                spent.account_id,
                "session.refresh_reused",
                only=spent.family,
                client_address=request.client_address,
            )
        )
        raise SessionEnded()
    account = await deps.store.account(spent.account_id)
    if account is None:
        raise SessionEnded()

    async def trade(tx: Transaction) -> SessionReply:
        touched = await deps.store.touch_line(
            line.session_id,
            now,
            client_address=_address(request.client_address),
            user_agent=request.user_agent,
            session=tx.session,
        )
        if not touched:  # ended meanwhile (revoked from another device): no new pair
            raise SessionEnded()
        return await _issue(deps, account, line, db=tx.session)

    return await deps.transactions.transaction(trade)


async def end_session(deps: Dependencies, request: EndSessionRequest) -> SessionEndedReply:
    """Log out: the session's line ends, the token given and any traded, and its access tokens.

    The same answer for a token that is live, spent, expired or was never issued: it tells
    nobody which tokens exist (RFC 7009, 2.2), and ending a session twice ends it once.
    """
    ended = await deps.store.spend_session(
        deps.tokens.refresh_token_key(request.refresh_token), deps.clock.now()
    )
    if ended is not None:
        await deps.transactions.transaction(
            lambda tx: end_lines(
                deps,
                tx,
                ended.account_id,
                "session.ended",
                only=ended.family,
                client_address=request.client_address,
                details={"how": "logout"},
            )
        )
    return SessionEndedReply()


async def open_session(
    deps: Dependencies,
    tx: Transaction,
    account: Account,
    *,
    client_address: IPv4Address | IPv6Address | None,
    method: str = "password",
    user_agent: str | None = None,
) -> SessionReply:
    """A new session (a new line of refresh tokens) for an account that proved who it is.

    Every way in ends here (password, second factor, passkey): the session and its entry in
    the account's trail commit together. It lasts at most `deps.session_lifetime`.
    """
    now = deps.clock.now()
    line = SessionLine(
        session_id=uuid4().hex,
        account_id=account.account_id,
        created_at=now,
        expires_at=now + deps.session_lifetime,
        last_used_at=now,
        client_address=_address(client_address),
        user_agent=user_agent,
    )
    await deps.store.insert_line(line, tx.session)
    reply = await _issue(deps, account, line, db=tx.session)
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
) -> int:
    """End every session of the account but `keep` (the caller's own, after a password change),
    with their access tokens at once; how many ended."""
    ended = await end_lines(
        deps,
        tx,
        account_id,
        "session.ended_all",
        keep=keep,
        details={"kept_current": "yes" if keep is not None else "no"},
    )
    return len(ended)


async def end_lines(
    deps: Dependencies,
    tx: Transaction,
    account_id: str,
    kind: str,
    *,
    only: str | None = None,
    keep: str | None = None,
    client_address: IPv4Address | IPv6Address | None = None,
    details: dict[str, str] | None = None,
) -> list[str]:
    """End sessions of the account (`only` one, or all but `keep`), in the trail as `kind`.

    Their refresh tokens go; their access tokens are refused by every gateway from the next
    request on (`SessionsEnded` makes each forget the account's scope, which lists them).
    """
    now = deps.clock.now()
    ended = await deps.store.end_lines(
        account_id,
        now,
        forget_at=now + ended_sessions_kept(deps),
        only=only,
        keep=keep,
        session=tx.session,
    )
    if ended:
        await activity.record(
            deps,
            tx,
            account_id,
            kind,
            client_address=client_address,
            details={**(details or {}), "sessions": str(len(ended))},
        )
        await tx.emit(SessionsEnded(account_id=account_id, session_ids=tuple(ended)))
    return ended


def ended_sessions_kept(deps: Dependencies) -> timedelta:
    """How long an ended session is listed in its account's scope: while an access token of it
    may be alive, and a minute more for the clocks of identity and the gateways to differ."""
    return deps.tokens.access_ttl + timedelta(minutes=1)


async def _issue(
    deps: Dependencies, account: Account, line: SessionLine, db: DbSession = None
) -> SessionReply:
    refresh_token = deps.tokens.new_refresh_token()
    await deps.store.insert_session(
        SessionRecord(
            key=deps.tokens.refresh_token_key(refresh_token),
            account_id=account.account_id,
            family=line.session_id,
            expires_at=refresh_expiry(line, deps.clock.now(), deps.refresh_ttl),
        ),
        db,
    )
    return SessionReply(
        access_token=await deps.tokens.access_token(
            account.account_id, account.role, line.session_id
        ),
        refresh_token=refresh_token,
        expires_in=int(deps.tokens.access_ttl.total_seconds()),
    )


def _address(address: IPv4Address | IPv6Address | None) -> str | None:
    return str(address) if address is not None else None
