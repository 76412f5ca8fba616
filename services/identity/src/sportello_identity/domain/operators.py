"""Operators: who may do which operators' action, and the rule that TOTP comes first."""

from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import (
    OperatorsOnly,
    PermissionMissing,
    SecondFactorEnrolmentRequired,
)


def permissions_in_force(account: Account) -> tuple[str, ...]:
    """An operator's permissions once TOTP is on; none before (it may only enrol), none for
    customers and administrators."""
    if account.role != "operator" or not account.totp_enabled:
        return ()
    return account.permissions


def check_permitted(account: Account | None, permission: str) -> None:
    """Raises the reason `account` may not act with `permission`."""
    if account is None or account.role != "operator":
        raise OperatorsOnly()
    if not account.totp_enabled:
        raise SecondFactorEnrolmentRequired()
    if permission not in account.permissions:
        raise PermissionMissing()
