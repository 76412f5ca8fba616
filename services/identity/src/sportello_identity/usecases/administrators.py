"""Condominium administrators: codes issued by operators, registering with one, and adding and
removing condominiums (the administrator's scope: every condominium held, announced at once)."""

import logging
from uuid import uuid4

from sportello_contracts.administrators import (
    AddCondominiumRequest,
    AdministratorCodeIssued,
    AdministratorCodeReply,
    CondominiumsReply,
    IssueAdministratorCodeRequest,
    RegisterAdministratorRequest,
    RemoveCondominiumRequest,
)
from sportello_contracts.identity import RegisterAccountReply, ScopeChanged
from sportello_contracts.rpc import Caller
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.administrators import (
    AdministratorCode,
    administrator_code_key,
    check_code_usable,
    check_vat_number,
    held_already,
    new_administrator_code,
)
from sportello_identity.domain.attempts import longest
from sportello_identity.domain.errors import (
    AdministratorCodeExpired,
    AdministratorCodeInvalid,
    AdministratorCodeUsed,
    AdministratorsOnly,
    CondominiumHeld,
    CondominiumNotHeld,
    CondominiumRegistered,
    TooManyAdministratorCodeAttempts,
    WrongPin,
)
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases import activity, operators, registration
from sportello_identity.usecases.email_address import announce_contact
from sportello_identity.usecases.guesses import Guess, address_limited
from sportello_identity.usecases.ports import Dependencies, Transaction

log = logging.getLogger(__name__)

# How a refused addition is named in the administrator's trail.
_REASONS: dict[type[Exception], str] = {
    AdministratorCodeUsed: "administrator_code_used",
    AdministratorCodeExpired: "administrator_code_expired",
    WrongPin: "wrong_pin",
    CondominiumHeld: "condominium_held",
    CondominiumRegistered: "condominium_registered",
}


async def issue_code(
    deps: Dependencies, request: IssueAdministratorCodeRequest
) -> AdministratorCodeReply:
    """A code for the firm, e-mailed to it (notifications) and shown once to the operator."""
    assert request.caller is not None
    operator = await operators.require(
        deps,
        request.caller,
        "administrator_codes.issue",
        "administrator_code.issue",
        request.client_address,
    )
    check_vat_number(request.vat_number)
    code = new_administrator_code()
    issued = AdministratorCode(
        key=administrator_code_key(code),
        firm_name=request.firm_name,
        vat_number=request.vat_number,
        email=request.email.lower(),
        issued_by=operator.account_id,
        expires_at=deps.clock.now() + deps.administrator_code_ttl,
    )

    async def keep_and_announce(tx: Transaction) -> None:
        await deps.store.insert_administrator_code(issued, tx.session)
        await tx.emit(
            AdministratorCodeIssued(
                firm_name=issued.firm_name,
                vat_number=issued.vat_number,
                email=issued.email,
                code=code,
                expires_at=issued.expires_at,
            )
        )
        await activity.record(
            deps,
            tx,
            operator.account_id,
            "administrator_code.issued",
            actor_id=operator.account_id,
            client_address=request.client_address,
            details={"firm_name": issued.firm_name, "vat_number": issued.vat_number},
        )

    await deps.transactions.transaction(keep_and_announce)
    return AdministratorCodeReply(
        code=code, firm_name=issued.firm_name, email=issued.email, expires_at=issued.expires_at
    )


async def register_administrator(
    deps: Dependencies, request: RegisterAdministratorRequest, tx: Transaction
) -> RegisterAccountReply:
    """The administrator's account, with the code it spends (both or neither)."""
    check_password(request.password, username=request.username, fiscal_code="")
    key = administrator_code_key(request.administrator_code)
    issued = await _issued_code(deps, key, request, tx)
    try:
        check_code_usable(issued, deps.clock.now())
    except (AdministratorCodeUsed, AdministratorCodeExpired) as refused:
        # The operator who issued it sees the attempt in their trail.
        await operators.record_refusal_apart(
            deps,
            issued.issued_by,
            "administrator.register",
            _REASONS[type(refused)],
            request.client_address,
        )
        raise
    account = Account(
        account_id=str(uuid4()),
        username=request.username,
        email=(request.email or issued.email).lower(),
        full_name=issued.firm_name,
        fiscal_code="",
        password_hash=await deps.hasher.hash(request.password),
        registered_at=deps.clock.now(),
        role="administrator",
    )
    await deps.store.insert_account(account, tx.session)
    if not await deps.store.use_administrator_code(key, account.account_id, tx.session):
        raise AdministratorCodeUsed()  # another registration took it meanwhile
    await activity.record(
        deps,
        tx,
        account.account_id,
        "account.created",
        client_address=request.client_address,
        details={"role": "administrator", "vat_number": issued.vat_number},
    )
    await announce_contact(tx, account, account.registered_at)
    return RegisterAccountReply(
        account_id=account.account_id, username=account.username, email=account.email
    )


async def _issued_code(
    deps: Dependencies, key: str, request: RegisterAdministratorRequest, tx: Transaction
) -> AdministratorCode:
    """The code, if issued; guesses of made-up ones are limited per client address (the code
    itself is ~59 random bits: the limit only stops a flood)."""
    guess = Guess(deps, address_limited(deps, request.client_address))
    if waits := await guess.reserve():
        raise TooManyAdministratorCodeAttempts(longest(waits.values()).retry_after(guess.now))
    async with guess.checking():
        issued = await deps.store.administrator_code(key, tx.session)
    if issued is None:
        await guess.failed()
        log.warning("an administrator code nobody issued was refused")
        raise AdministratorCodeInvalid()
    await guess.succeeded(forget=set())
    return issued


async def add_condominium(
    deps: Dependencies, request: AddCondominiumRequest, tx: Transaction
) -> CondominiumsReply:
    """The condominium joins the administrator's scope, proved by its registration PIN (the
    PIN is checked, and its guesses limited, as at registration)."""
    administrator = await _administrator(deps, request.caller, "condominium.add", request)
    code = request.customer_code
    try:
        customer = await deps.store.customer(code, tx.session)
        # An unknown customer code is checked like a wrong PIN, counted under its own name.
        fiscal_code = customer.fiscal_code if customer is not None else code
        if customer is not None:
            # Serialises with registration and onboarding of the same fiscal identity, and
            # with another administrator adding it at the same moment.
            await deps.store.touch_identity(fiscal_code, tx.session)
        _, matching = await registration.customers_matching_pin(
            deps, fiscal_code, request.registration_pin, request.client_address, tx.session
        )
        if customer is None or code not in {c.customer_code for c in matching}:
            raise WrongPin()
        if held_already(customer, administrator.account_id):
            return CondominiumsReply(customer_codes=administrator.customer_codes)
        if not await deps.store.hold_condominium(code, administrator.account_id, tx.session):
            raise CondominiumHeld()
    except (WrongPin, CondominiumHeld, CondominiumRegistered) as refused:
        await operators.record_refusal_apart(
            deps,
            administrator.account_id,
            f"condominium.add {code}",
            _REASONS[type(refused)],
            request.client_address,
        )
        raise
    codes = tuple(sorted({*administrator.customer_codes, code}))
    await deps.store.add_customer_code(administrator.account_id, code, tx.session)
    await _scope_changed(deps, tx, administrator, codes, "condominium.added", code, request)
    return CondominiumsReply(customer_codes=codes)


async def remove_condominium(
    deps: Dependencies, request: RemoveCondominiumRequest, tx: Transaction
) -> CondominiumsReply:
    administrator = await _administrator(deps, request.caller, "condominium.remove", request)
    code = request.customer_code
    if code not in administrator.customer_codes:
        raise CondominiumNotHeld()
    codes = tuple(c for c in administrator.customer_codes if c != code)
    await deps.store.release_condominium(code, administrator.account_id, tx.session)
    await deps.store.remove_customer_code(administrator.account_id, code, tx.session)
    await _scope_changed(deps, tx, administrator, codes, "condominium.removed", code, request)
    return CondominiumsReply(customer_codes=codes)


async def _administrator(
    deps: Dependencies,
    caller: Caller | None,
    action: str,
    request: AddCondominiumRequest | RemoveCondominiumRequest,
) -> Account:
    assert caller is not None
    account = await deps.store.account(caller.user_id)
    if account is None or account.role != "administrator":
        if account is not None:
            await operators.record_refusal_apart(
                deps,
                account.account_id,
                action,
                AdministratorsOnly.reason,
                request.client_address,
            )
        raise AdministratorsOnly()
    return account


async def _scope_changed(
    deps: Dependencies,
    tx: Transaction,
    administrator: Account,
    codes: tuple[str, ...],
    kind: str,
    customer_code: str,
    request: AddCondominiumRequest | RemoveCondominiumRequest,
) -> None:
    """Announced in the change's transaction: every gateway forgets the scope it cached."""
    await tx.emit(ScopeChanged(account_id=administrator.account_id, customer_codes=codes))
    await activity.record(
        deps,
        tx,
        administrator.account_id,
        kind,
        client_address=request.client_address,
        details={"customer_code": customer_code},
    )
