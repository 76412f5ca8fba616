"""Deleting an account: asked with a fresh proof, confirmed within minutes, erased here at once
and then by every service that holds personal data of it, each confirming by event."""

import logging
from uuid import uuid4

from sportello_contracts.account_deletion import (
    AccountDataErased,
    AccountDeleted,
    AccountDeletedReply,
    AccountDeletionRequestedReply,
    ConfirmAccountDeletionRequest,
    RequestAccountDeletionRequest,
)
from sportello_contracts.identity import ScopeChanged
from sportello_identity.domain.deletion import Deletion, all_confirmed, check_confirmable
from sportello_identity.domain.errors import (
    DeletionNotFound,
    ReauthenticationFailed,
)
from sportello_identity.usecases import activity, passkeys, sessions
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.guesses import password_again
from sportello_identity.usecases.ports import DeletionDependencies, Dependencies, Transaction

log = logging.getLogger(__name__)


async def request_deletion(
    deps: Dependencies,
    dd: DeletionDependencies,
    request: RequestAccountDeletionRequest,
    tx: Transaction,
) -> AccountDeletionRequestedReply:
    """A deletion to confirm, once the caller proved again that they are the account's user."""
    account = await account_of_caller(deps, request.caller)
    if request.password is not None:
        if not await password_again(deps, account, request.password, request.client_address):
            raise ReauthenticationFailed()
    else:
        assert request.passkey is not None  # the contract wants one of the two
        proven = await passkeys.prove_with_passkey(
            deps, dd.passkeys, request.passkey, request.client_address
        )
        if proven.account_id != account.account_id:
            raise ReauthenticationFailed()
    now = deps.clock.now()
    deletion = Deletion(
        deletion_id=uuid4().hex,
        account_id=account.account_id,
        requested_at=now,
        confirm_before=now + dd.confirm_within,
    )
    await dd.deletions.insert(deletion, tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "account.deletion_requested",
        client_address=request.client_address,
        details={"deletion_id": deletion.deletion_id},
    )
    return AccountDeletionRequestedReply(
        deletion_id=deletion.deletion_id, confirm_before=deletion.confirm_before
    )


async def confirm_deletion(
    deps: Dependencies,
    dd: DeletionDependencies,
    request: ConfirmAccountDeletionRequest,
    tx: Transaction,
) -> AccountDeletedReply:
    """Identity's part, in one transaction: the account erased, its customer codes free, every
    session ended, and the event every other service erases its part from."""
    assert request.caller is not None
    now = deps.clock.now()
    deletion = check_confirmable(
        await dd.deletions.get(request.deletion_id, tx.session), request.caller.user_id, now
    )
    account = await deps.store.account(deletion.account_id)
    if account is None:
        raise DeletionNotFound()
    # As registration and onboarding do: one of them running meanwhile conflicts with this.
    await deps.store.touch_identity(account.fiscal_code, tx.session)
    await dd.deletions.erase_account(account, tx.session)
    await sessions.end_all_sessions(deps, tx, account.account_id)
    await dd.deletions.mark_deleted(deletion.deletion_id, now, tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "account.deleted",
        details={"deletion_id": deletion.deletion_id},
    )
    # The gateway forgets the account's scope at once: its tokens stop working.
    await tx.emit(ScopeChanged(account_id=account.account_id, customer_codes=()))
    await tx.emit(
        AccountDeleted(
            deletion_id=deletion.deletion_id,
            account_id=account.account_id,
            customer_codes=account.customer_codes,
            email=account.email,
            deleted_at=now,
        )
    )
    return AccountDeletedReply(deletion_id=deletion.deletion_id, deleted_at=now)


async def record_erasure(
    deps: Dependencies, dd: DeletionDependencies, erased: AccountDataErased, tx: Transaction
) -> None:
    """One service's confirmation; the deletion is complete once every expected one came."""
    deletion = await dd.deletions.record_confirmation(
        erased.deletion_id, erased.SERVICE, erased.erased_at, tx.session
    )
    if deletion is None:
        log.warning("%s confirmed an unknown deletion %s", erased.SERVICE, erased.deletion_id)
        return
    if deletion.completed_at is None and all_confirmed(
        deletion.confirmations, dd.expected_services
    ):
        await dd.deletions.mark_completed(deletion.deletion_id, deps.clock.now(), tx.session)
        log.info("deletion %s complete: every service confirmed", deletion.deletion_id)
