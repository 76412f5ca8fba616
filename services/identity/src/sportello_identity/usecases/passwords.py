"""Changing a password from the profile (the current one required), and what every new password
brings with it: the other sessions end, the trail records it, the account's address is told."""

from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from sportello_contracts.credentials import ChangePasswordRequest, PasswordChanged, PasswordSetReply
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import WrongCurrentPassword
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases import activity, sessions
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.guesses import password_again
from sportello_identity.usecases.ports import Dependencies, Transaction


async def change_password(
    deps: Dependencies, request: ChangePasswordRequest, tx: Transaction
) -> PasswordSetReply:
    """The new password, once the current one is proved; every other session ends.

    A wrong current password is a guess like a wrong log-in (same limits, per username and
    address): a stolen access token must not become a way to guess the password at leisure.
    """
    caller = request.caller
    account = await account_of_caller(deps, caller)
    # First, before any guess is counted: a refused new password proves nothing either way.
    check_password(request.new_password, username=account.username, fiscal_code=account.fiscal_code)
    await prove_current_password(
        deps,
        account,
        request.current_password,
        request.client_address,
        refused="password.change_refused",
    )
    password_hash = await deps.hasher.hash(request.new_password)
    await set_password(
        deps,
        tx,
        account,
        password_hash,
        how="changed",
        keep=caller.session_id if caller is not None else None,
        client_address=request.client_address,
    )
    return PasswordSetReply()


async def set_password(
    deps: Dependencies,
    tx: Transaction,
    account: Account,
    password_hash: str,
    *,
    how: Literal["changed", "reset"],
    keep: str | None,
    client_address: IPv4Address | IPv6Address | None,
) -> None:
    """Store the new hash, end every session but `keep`, record it and announce it, together."""
    await deps.store.set_password_hash(account.account_id, password_hash, tx.session)
    await sessions.end_all_sessions(deps, tx, account.account_id, keep=keep)
    entry = await activity.record(
        deps, tx, account.account_id, f"password.{how}", client_address=client_address
    )
    await tx.emit(
        PasswordChanged(
            account_id=account.account_id,
            username=account.username,
            full_name=account.full_name,
            email=account.contact_email,
            at=entry.at,
            how=how,
        )
    )


async def prove_current_password(
    deps: Dependencies,
    account: Account,
    password: str,
    client_address: IPv4Address | IPv6Address | None,
    *,
    refused: str,
) -> None:
    """The signed-in account's current password, asked before a change a stolen session must not
    make (the password, the e-mail address reset links go to). A wrong one is a guess like a
    wrong log-in, lands in the trail as `refused`, and is `WrongCurrentPassword`."""
    if await password_again(deps, account, password, client_address):
        return
    # In a transaction of its own: the command's is rolled back by the refusal.
    await deps.transactions.transaction(
        lambda tx: activity.record(
            deps, tx, account.account_id, refused, client_address=client_address
        )
    )
    raise WrongCurrentPassword()
