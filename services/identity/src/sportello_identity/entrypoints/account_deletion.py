"""Identity's account-deletion operations, and the services' confirmations it collects."""

from sportello_contracts.account_deletion import (
    CONFIRM_ACCOUNT_DELETION,
    REQUEST_ACCOUNT_DELETION,
    AccountDeletedReply,
    AccountDeletionRequestedReply,
    BillingAccountDataErased,
    ConfirmAccountDeletionRequest,
    NotificationsAccountDataErased,
    RequestAccountDeletionRequest,
)
from sportello_contracts.envelope import Event
from sportello_identity.entrypoints.refusals import refusing
from sportello_identity.usecases import account_deletion
from sportello_identity.usecases.ports import DeletionDependencies, Dependencies
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def register_deletion_operations(
    service: Service, deps: Dependencies, dd: DeletionDependencies
) -> None:
    @service.rpc(REQUEST_ACCOUNT_DELETION)
    async def request_deletion(
        request: RequestAccountDeletionRequest, tx: Transaction
    ) -> AccountDeletionRequestedReply:
        """Ask to delete the caller's account, with the password or a passkey again."""
        with refusing():
            return await account_deletion.request_deletion(deps, dd, request, tx)

    @service.rpc(CONFIRM_ACCOUNT_DELETION)
    async def confirm_deletion(
        request: ConfirmAccountDeletionRequest, tx: Transaction
    ) -> AccountDeletedReply:
        """Confirm it: the account is erased, and every service told."""
        with refusing():
            return await account_deletion.confirm_deletion(deps, dd, request, tx)

    @service.on(BillingAccountDataErased)
    async def billing_erased(event: Event[BillingAccountDataErased], tx: Transaction) -> None:
        """Billing pseudonymised its part of a deleted account."""
        await account_deletion.record_erasure(deps, dd, event.payload, tx)

    @service.on(NotificationsAccountDataErased)
    async def notifications_erased(
        event: Event[NotificationsAccountDataErased], tx: Transaction
    ) -> None:
        """Notifications erased its part of a deleted account."""
        await account_deletion.record_erasure(deps, dd, event.payload, tx)
