"""A deleted account: its user is told at the address it had, then notifications erases every
record of messages to that address and confirms."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sportello_contracts.account_deletion import AccountDeleted, NotificationsAccountDataErased
from sportello_contracts.envelope import EventPayload
from sportello_notifications.domain.messages import account_deleted
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates, deliver

T = TypeVar("T")


class Transaction(Protocol):
    @property
    def session(self) -> Any: ...

    async def emit(self, payload: EventPayload) -> object: ...


class Transactions(Protocol):
    async def transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T: ...


class ErasableMessageLog(MessageLog, Protocol):
    async def erase_to(self, address: str, session: Any) -> int:
        """Remove every record of messages to `address`; how many there were."""
        ...


async def erase_account_data(
    event_id: str,
    deleted: AccountDeleted,
    *,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: ErasableMessageLog,
    transactions: Transactions,
    now: datetime,
) -> None:
    """Send the confirmation once, then erase and confirm, whatever the number of deliveries.

    The mail goes first: afterwards the address is no longer known here. A redelivery finds
    the mail sent (its claim done), erases again what the log recorded of it, and confirms
    again (identity keeps the first confirmation).
    """
    await deliver(
        account_deleted(event_id, deleted),
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )

    async def erase(tx: Transaction) -> None:
        await messages.erase_to(deleted.email, tx.session)
        await tx.emit(
            NotificationsAccountDataErased(
                deletion_id=deleted.deletion_id, account_id=deleted.account_id, erased_at=now
            )
        )

    await transactions.transaction(erase)
