"""Operators: created by the bootstrap command or by an operator who may; every action checked
against the operator's permissions here too (the gateway is not the only wall), and recorded."""

from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.operators import (
    PERMISSIONS,
    CreateOperatorRequest,
    OperatorReply,
    RecordRefusedAccessRequest,
    RefusedAccessRecorded,
)
from sportello_contracts.rpc import Caller
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.errors import NotPermitted
from sportello_identity.domain.operators import check_permitted
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases import activity
from sportello_identity.usecases.ports import Dependencies, Transaction

Address = IPv4Address | IPv6Address | None


async def require(
    deps: Dependencies, caller: Caller, permission: str, action: str, client_address: Address
) -> Account:
    """The operator acting, if it may act with `permission`; else the refusal, recorded in the
    caller's trail (in a transaction of its own: the action's is rolled back)."""
    account = await deps.store.account(caller.user_id)
    try:
        check_permitted(account, permission)
    except NotPermitted as refused:
        if account is not None:
            await record_refusal_apart(deps, account.account_id, action, refused, client_address)
        raise
    assert account is not None
    return account


async def create_operator(
    deps: Dependencies, request: CreateOperatorRequest, tx: Transaction
) -> OperatorReply:
    """An operator with `operators.manage` creates another, who must enrol TOTP first."""
    assert request.caller is not None
    creator = await require(
        deps, request.caller, "operators.manage", "operator.create", request.client_address
    )
    operator = await new_operator(
        deps,
        tx,
        username=request.username,
        email=request.email,
        full_name=request.full_name,
        password=request.password,
        permissions=request.permissions,
        actor_id=creator.account_id,
    )
    await activity.record(
        deps,
        tx,
        creator.account_id,
        "operator.created",
        actor_id=creator.account_id,
        client_address=request.client_address,
        details={"operator_id": operator.account_id},
    )
    return reply_of(operator)


async def new_operator(
    deps: Dependencies,
    tx: Transaction,
    *,
    username: str,
    email: str,
    full_name: str,
    password: str,
    permissions: tuple[str, ...] = PERMISSIONS,
    actor_id: str,
) -> Account:
    """The operator's account, written with the first entry of its trail (who created it).

    `actor_id` is the creating operator, or `bootstrap` for the bootstrap command. Raises
    `WeakPassword`, `UsernameTaken`, `EmailTaken`.
    """
    check_password(password, username=username, fiscal_code="")
    operator = Account(
        account_id=str(uuid4()),
        username=username,
        email=email.lower(),
        full_name=full_name,
        fiscal_code="",
        password_hash=await deps.hasher.hash(password),
        registered_at=deps.clock.now(),
        role="operator",
        permissions=tuple(p for p in PERMISSIONS if p in permissions),
    )
    await deps.store.insert_account(operator, tx.session)
    await activity.record(
        deps,
        tx,
        operator.account_id,
        "account.created",
        actor_id=actor_id,
        details={"role": "operator", "permissions": ",".join(operator.permissions)},
    )
    return operator


async def record_refused_access(
    deps: Dependencies, request: RecordRefusedAccessRequest, tx: Transaction
) -> RefusedAccessRecorded:
    """The gateway refused the caller an operators' route: the caller's trail says so."""
    assert request.caller is not None
    entry = await _record_refusal(
        deps, tx, request.caller.user_id, request.action, request.reason, request.client_address
    )
    return RefusedAccessRecorded(activity_id=entry.activity_id)


def reply_of(operator: Account) -> OperatorReply:
    return OperatorReply(
        account_id=operator.account_id,
        username=operator.username,
        email=operator.email,
        full_name=operator.full_name,
        permissions=operator.permissions,  # type: ignore[arg-type]
    )


async def record_refusal_apart(
    deps: Dependencies,
    account_id: str,
    action: str,
    refused: NotPermitted | str,
    client_address: Address,
) -> None:
    """Keep a refused attempt in the account's trail, in a transaction of its own (the
    attempt's own is rolled back with the refusal)."""
    reason = refused if isinstance(refused, str) else refused.reason

    async def record(tx: Transaction) -> None:
        await _record_refusal(deps, tx, account_id, action, reason, client_address)

    await deps.transactions.transaction(record)


async def _record_refusal(
    deps: Dependencies,
    tx: Transaction,
    account_id: str,
    action: str,
    reason: str,
    client_address: Address,
) -> Activity:
    return await activity.record(
        deps,
        tx,
        account_id,
        "access.refused",
        client_address=client_address,
        details={"action": action, "reason": reason},
    )
