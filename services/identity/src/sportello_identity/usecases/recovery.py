"""Lost password or lost username, in one form: the account's e-mail address gets the username
and a reset link; the link's token and a new password set the password."""

from ipaddress import ip_address

from sportello_contracts.credentials import (
    AccountRecoveryAsked,
    PasswordResetIssued,
    PasswordSetReply,
    RecoverAccountRequest,
    RecoveryAskedReply,
    ResetPasswordRequest,
)
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import address_subject, longest
from sportello_identity.domain.challenges import (
    Challenge,
    Purpose,
    link_token_key,
    new_link_token,
    recovery_address_subject,
    recovery_subject,
)
from sportello_identity.domain.errors import LinkInvalid, TooManyRecoveryRequests
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases import activity, sessions
from sportello_identity.usecases.guesses import Guess, Limited
from sportello_identity.usecases.passwords import set_password
from sportello_identity.usecases.ports import Dependencies, Transaction


async def ask_recovery(
    deps: Dependencies, request: RecoverAccountRequest, tx: Transaction
) -> RecoveryAskedReply:
    """Count the request, then hand the address to identity's own queue, unlooked at.

    Nothing here depends on whether an account has the address (the same counts, the same one
    event written), so neither the answer nor its timing can tell. Requests are counted per
    address and per client address, so nobody can flood an inbox with reset mails.
    """
    limited: list[Limited] = [(recovery_subject(request.email), deps.recovery.per_recipient)]
    if request.client_address is not None:
        subject = recovery_address_subject(address_subject(request.client_address))
        limited.append((subject, deps.limits.per_address))
    guess = Guess(deps, limited)
    if waits := await guess.reserve():
        raise TooManyRecoveryRequests(longest(waits.values()).retry_after(guess.now))
    await guess.spent()
    client_address = str(request.client_address) if request.client_address else None
    await tx.emit(AccountRecoveryAsked(email=request.email.lower(), client_address=client_address))
    return RecoveryAskedReply()


async def issue_reset_link(
    deps: Dependencies, asked: AccountRecoveryAsked, tx: Transaction
) -> None:
    """A new reset link for each account whose mail goes to the address (usually one, or
    none: then nothing); each mail names its account's username.

    The new link voids any earlier one: only the latest mail works.
    """
    for account in await deps.store.accounts_reachable_at(asked.email.lower(), tx.session):
        await _issue_reset_link(deps, account, asked, tx)


async def _issue_reset_link(
    deps: Dependencies, account: Account, asked: AccountRecoveryAsked, tx: Transaction
) -> None:
    token = new_link_token(Purpose.PASSWORD_RESET)
    challenge = Challenge(
        key=link_token_key(token),
        purpose=Purpose.PASSWORD_RESET,
        account_id=account.account_id,
        expires_at=deps.clock.now() + deps.recovery.link_ttl,
    )
    await deps.store.issue_challenge(challenge, tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "password_reset.requested",
        client_address=ip_address(asked.client_address) if asked.client_address else None,
    )
    await tx.emit(
        PasswordResetIssued(
            account_id=account.account_id,
            username=account.username,
            full_name=account.full_name,
            email=account.contact_email,
            reset_token=token,
            expires_at=challenge.expires_at,
        )
    )


async def reset_password(
    deps: Dependencies, request: ResetPasswordRequest, tx: Transaction
) -> PasswordSetReply:
    """The new password for the link's account; the link is spent, every session ends, and a
    lock from wrong passwords ends too (the owner is back in).

    A link that is unknown, expired, spent or replaced by a newer one changes nothing. A new
    password the rules refuse leaves the link usable, to try another.
    """
    key = link_token_key(request.reset_token)
    challenge = await deps.store.challenge(key)
    now = deps.clock.now()
    if challenge is None or challenge.purpose != Purpose.PASSWORD_RESET:
        raise LinkInvalid()
    if not challenge.usable(now):
        raise LinkInvalid()
    account = await deps.store.account(challenge.account_id)
    if account is None:
        raise LinkInvalid()
    check_password(request.new_password, username=account.username, fiscal_code=account.fiscal_code)
    password_hash = await deps.hasher.hash(request.new_password)
    # In the transaction: of two resets racing with one link, one conflicts and finds it gone.
    if not await deps.store.spend_challenge(key, now, tx.session):
        raise LinkInvalid()
    await set_password(
        deps,
        tx,
        account,
        password_hash,
        how="reset",
        keep=None,
        client_address=request.client_address,
    )
    await sessions.end_login_lock(deps, account.username)
    return PasswordSetReply()
