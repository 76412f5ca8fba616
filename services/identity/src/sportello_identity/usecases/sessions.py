"""Log-in and refresh: access and refresh tokens, with limits on password guessing."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from sportello_contracts.identity import LogInRequest, RefreshSessionRequest, SessionReply
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.adapters.hashing import hash_secret, needs_rehash, verify_secret
from sportello_identity.adapters.tokens import new_refresh_token, refresh_token_key
from sportello_identity.bootstrap import Dependencies
from sportello_identity.domain.attempts import LOGIN_ATTEMPTS

WRONG_CREDENTIALS = Refused(
    ErrorKind.UNAUTHENTICATED, "wrong_credentials", "Nome utente o password non corretti."
)
SESSION_ENDED = Refused(
    ErrorKind.UNAUTHENTICATED, "session_ended", "La sessione è terminata: accedi di nuovo."
)


async def log_in(deps: Dependencies, request: LogInRequest) -> SessionReply:
    now = datetime.now(UTC)
    account = await deps.store.account_by_username(request.username)
    if account is not None and LOGIN_ATTEMPTS.locked(account.get("locked_until"), now):
        raise Refused(
            ErrorKind.TOO_MANY,
            "account_locked",
            "Troppi tentativi di accesso non riusciti. Riprova tra qualche minuto o usa "
            "«Password dimenticata?».",
        )
    hashed = account["password_hash"] if account else None
    if not await verify_secret(hashed, request.password) or account is None:
        if account is not None:
            failures, locked_until = LOGIN_ATTEMPTS.after_failure(
                account.get("login_failures", 0), now
            )
            await deps.store.record_login(account["_id"], failures, locked_until)
        raise WRONG_CREDENTIALS
    if account.get("login_failures") or account.get("locked_until"):
        await deps.store.record_login(account["_id"], 0, None)
    if needs_rehash(account["password_hash"]):
        await deps.store.set_password_hash(account["_id"], await hash_secret(request.password))
    return await _open_session(deps, account, family=uuid4().hex)


async def refresh_session(deps: Dependencies, request: RefreshSessionRequest) -> SessionReply:
    spent = await deps.store.spend_session(refresh_token_key(request.refresh_token))
    if spent is None or spent["expires_at"] <= datetime.now(UTC):
        raise SESSION_ENDED
    if spent["spent"]:
        # A refresh token used twice was stolen or replayed: end every session of its line.
        await deps.store.revoke_family(spent["family"])
        raise SESSION_ENDED
    account = await deps.store.account(spent["account_id"])
    if account is None:
        raise SESSION_ENDED
    return await _open_session(deps, account, family=spent["family"])


async def _open_session(deps: Dependencies, account: dict[str, Any], family: str) -> SessionReply:
    refresh_token = new_refresh_token()
    await deps.store.insert_session(
        refresh_token_key(refresh_token),
        account["_id"],
        family,
        datetime.now(UTC) + timedelta(days=deps.settings.refresh_token_days),
    )
    return SessionReply(
        access_token=deps.tokens.access_token(account["_id"], account["role"]),
        refresh_token=refresh_token,
        expires_in=int(deps.tokens.access_ttl.total_seconds()),
    )
