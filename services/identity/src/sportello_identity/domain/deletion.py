"""Deleting an account: asked with a fresh proof of identity, confirmed by a second call within
minutes, then erased here and, by event, in every service that holds personal data of it.

Why a second call rather than a link by e-mail: the first call already proves the user (the
password or a passkey again, not merely a session), the second is the deliberate "yes, delete
it" a page asks for after showing what is lost; a link would send a secret by e-mail that
anyone reading the mailbox could use, and the address may be one the user no longer reads.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sportello_identity.domain.errors import DeletionExpired, DeletionNotFound


@dataclass(frozen=True)
class Deletion:
    """One request to delete an account, from asked to every service's confirmation."""

    deletion_id: str
    account_id: str
    requested_at: datetime
    confirm_before: datetime
    deleted_at: datetime | None = None  # identity's part done (the user confirmed)
    confirmations: Mapping[str, datetime] = field(default_factory=dict)  # service: when
    completed_at: datetime | None = None  # every expected service confirmed


def check_confirmable(deletion: Deletion | None, account_id: str, now: datetime) -> Deletion:
    """The deletion the account asked for and may still confirm.

    Another account's deletion is as unknown as none; one confirmed already is confirmed again
    by nobody (the account is gone, so its caller never gets here).
    """
    if deletion is None or deletion.account_id != account_id or deletion.deleted_at is not None:
        raise DeletionNotFound()
    if deletion.confirm_before <= now:
        raise DeletionExpired()
    return deletion


def all_confirmed(confirmations: Iterable[str], expected: Iterable[str]) -> bool:
    return set(expected) <= set(confirmations)
