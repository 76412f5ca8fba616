"""Second factors: TOTP enrolment and removal, recovery codes, and a log-in's second step.

The password step of a log-in (`sessions.log_in`) hands over to `challenge_if_enabled`: with
TOTP on, the right password earns only a short-lived, single-use challenge, and the session is
opened by `complete_log_in` once a TOTP or recovery code goes with it. Wrong codes are counted
like wrong passwords (`guesses.Guess`), per account and per client address; a TOTP code is
accepted once (its step is spent), a recovery code once (it is taken out).
"""

from collections.abc import Awaitable, Callable
from ipaddress import IPv4Address, IPv6Address
from typing import TypeVar

from sportello_contracts.identity import ScopeChanged, SessionReply
from sportello_contracts.second_factor import (
    CompleteLogInRequest,
    RecoveryCodesReply,
    TotpDisabledReply,
    TotpEnrolmentReply,
)
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import longest
from sportello_identity.domain.errors import (
    ChallengeEnded,
    SecondFactorRequired,
    TooManySecondFactorAttempts,
    TotpAlreadyOn,
    TotpNotOn,
    TotpRequired,
    WrongSecondFactor,
)
from sportello_identity.domain.second_factor import (
    LoginChallenge,
    challenge_key,
    looks_like_totp,
    matching_step,
    new_challenge,
    new_recovery_codes,
    new_secret,
    otpauth_uri,
    recovery_digest,
    second_factor_subject,
)
from sportello_identity.usecases import activity, sessions
from sportello_identity.usecases.accounts import existing_account
from sportello_identity.usecases.guesses import Guess, address_limited
from sportello_identity.usecases.ports import DbSession, Dependencies, Transaction

Address = IPv4Address | IPv6Address | None
T = TypeVar("T")


async def start_enrolment(deps: Dependencies, account_id: str) -> TotpEnrolmentReply:
    """A new secret, pending until a first code confirms it; starting again replaces it."""
    account = await existing_account(deps, account_id)
    if account.totp_enabled:
        raise TotpAlreadyOn()
    secret = new_secret()

    async def keep(tx: Transaction) -> None:
        await deps.store.set_pending_totp(account.account_id, secret, tx.session)

    await deps.transactions.transaction(keep)
    return TotpEnrolmentReply(
        otpauth_uri=otpauth_uri(secret, account.username, deps.totp_issuer), secret=secret
    )


async def confirm_enrolment(
    deps: Dependencies, account_id: str, code: str, client_address: Address
) -> RecoveryCodesReply:
    """The first code turns TOTP on; the recovery codes are shown this once."""
    account = await existing_account(deps, account_id)
    if account.totp_enabled:
        raise TotpAlreadyOn()
    state = await deps.store.totp_of(account.account_id)
    if state is None or state.pending_secret is None:
        raise TotpNotOn()
    pending = state.pending_secret

    async def check() -> int | None:
        return matching_step(pending, code, deps.clock.now(), after_step=-1)

    step = await _counted(deps, account, client_address, check)
    codes = new_recovery_codes()

    async def enable(tx: Transaction) -> None:
        digests = [recovery_digest(c) for c in codes]
        if not await deps.store.enable_totp(account.account_id, pending, step, digests, tx.session):
            raise TotpNotOn()  # confirmed meanwhile, or a new enrolment replaced the secret
        await activity.record(
            deps, tx, account.account_id, "totp.enabled", client_address=client_address
        )
        if account.role == "operator":
            # Its permissions come into force now: the gateway must ask for its scope again.
            await tx.emit(
                ScopeChanged(account_id=account.account_id, customer_codes=account.customer_codes)
            )

    await deps.transactions.transaction(enable)
    return RecoveryCodesReply(recovery_codes=codes)


async def disable(
    deps: Dependencies, account_id: str, code: str, client_address: Address, tx: Transaction
) -> TotpDisabledReply:
    """TOTP off, with a current code (or a recovery code); never for an operator."""
    account = await existing_account(deps, account_id)
    if account.role == "operator":
        raise TotpRequired()
    # The code is spent in the command's transaction: spent apart, it would conflict with the
    # removal, and the retried transaction would find it spent.
    method = await verify_code(deps, account, code, client_address, db=tx.session)
    await deps.store.disable_totp(account.account_id, tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "totp.disabled",
        client_address=client_address,
        details={"method": method},
    )
    return TotpDisabledReply()


async def regenerate_recovery_codes(
    deps: Dependencies, account_id: str, code: str, client_address: Address
) -> RecoveryCodesReply:
    """Ten new recovery codes, shown this once; the old ones stop working."""
    account = await existing_account(deps, account_id)
    method = await verify_code(deps, account, code, client_address)
    codes = new_recovery_codes()

    async def replace(tx: Transaction) -> None:
        digests = [recovery_digest(c) for c in codes]
        await deps.store.replace_recovery_codes(account.account_id, digests, tx.session)
        await activity.record(
            deps,
            tx,
            account.account_id,
            "recovery_codes.regenerated",
            client_address=client_address,
            details={"method": method},
        )

    await deps.transactions.transaction(replace)
    return RecoveryCodesReply(recovery_codes=codes)


async def challenge_if_enabled(deps: Dependencies, account: Account) -> None:
    """After a right password: with TOTP on, raise `SecondFactorRequired` with a challenge."""
    if not account.totp_enabled:
        return
    challenge = new_challenge()
    await deps.store.insert_login_challenge(
        LoginChallenge(
            key=challenge_key(challenge),
            account_id=account.account_id,
            expires_at=deps.clock.now() + deps.challenge_ttl,
        )
    )
    raise SecondFactorRequired(challenge, int(deps.challenge_ttl.total_seconds()))


async def complete_log_in(deps: Dependencies, request: CompleteLogInRequest) -> SessionReply:
    """The session, for a live challenge and a right code; the challenge is spent with it."""
    key = challenge_key(request.challenge)
    challenge = await deps.store.login_challenge(key, deps.clock.now())
    account = await deps.store.account(challenge.account_id) if challenge else None
    if challenge is None or account is None:
        raise ChallengeEnded()
    method = await verify_code(deps, account, request.code, request.client_address)
    if not await deps.store.spend_login_challenge(key):
        raise ChallengeEnded()  # a parallel second step took it first
    return await deps.transactions.transaction(
        lambda tx: sessions.open_session(
            deps,
            tx,
            account,
            client_address=request.client_address,
            user_agent=request.user_agent,
            method=method,
        )
    )


async def verify_code(
    deps: Dependencies,
    account: Account,
    code: str,
    client_address: Address,
    db: DbSession = None,
) -> str:
    """Spend a right TOTP code (`"totp"`) or recovery code (`"recovery_code"`) of the account
    (in the transaction `db`, if any); anything else is a counted wrong guess. TOTP must be on."""
    state = await deps.store.totp_of(account.account_id, db)
    if not account.totp_enabled or state is None or state.secret is None:
        raise TotpNotOn()
    secret = state.secret

    async def check() -> str | None:
        if looks_like_totp(code):
            step = matching_step(secret, code, deps.clock.now(), after_step=state.last_step)
            # Spent atomically: of two requests with one code, only one gets in.
            if step is not None and await deps.store.spend_totp_step(account.account_id, step, db):
                return "totp"
            return None
        if await deps.store.spend_recovery_code(account.account_id, recovery_digest(code), db):
            return "recovery_code"
        return None

    return await _counted(deps, account, client_address, check)


async def _counted(
    deps: Dependencies,
    account: Account,
    client_address: Address,
    check: Callable[[], Awaitable[T | None]],
) -> T:
    """Run `check` as one guess of the account's second factor: its answer, or a refusal."""
    subject = second_factor_subject(account.account_id)
    guess = Guess(
        deps, [(subject, deps.limits.per_username), *address_limited(deps, client_address)]
    )
    if waits := await guess.reserve():
        raise TooManySecondFactorAttempts(longest(waits.values()).retry_after(guess.now))
    async with guess.checking():
        found = await check()
    if found is None:
        await guess.failed()
        await deps.transactions.transaction(
            lambda tx: activity.record(
                deps, tx, account.account_id, "second_factor.failed", client_address=client_address
            )
        )
        raise WrongSecondFactor()
    await guess.succeeded(forget={subject})
    return found
