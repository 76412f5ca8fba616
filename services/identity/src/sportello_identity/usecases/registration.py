"""Registration with the welcome letter's PIN: one account per fiscal identity."""

from datetime import timedelta
from uuid import uuid4

from sportello_contracts.identity import (
    AccountRegistered,
    RegisterAccountReply,
    RegisterAccountRequest,
)
from sportello_identity.domain.accounts import Account, Customer, check_pin_unused
from sportello_identity.domain.attempts import PIN_ATTEMPTS, PinAttempts
from sportello_identity.domain.errors import TooManyPinAttempts, WrongPin
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases.ports import Dependencies, Transaction

# How long wrong PINs are remembered for a fiscal code.
PIN_ATTEMPTS_KEPT = timedelta(days=1)


async def register_account(
    deps: Dependencies, request: RegisterAccountRequest, tx: Transaction
) -> RegisterAccountReply:
    """The account, written with the event that announces it; refusals are domain errors."""
    check_fiscal_code(request.fiscal_code)
    check_password(request.password, username=request.username, fiscal_code=request.fiscal_code)

    customers, matching = await _customers_matching_pin(deps, request)
    check_pin_unused(matching)
    first = matching[0]
    account = Account(
        account_id=str(uuid4()),
        username=request.username,
        email=(request.email or first.email).lower(),
        full_name=first.full_name,
        fiscal_code=request.fiscal_code,
        password_hash=await deps.hasher.hash(request.password),
        registered_at=deps.clock.now(),
        # Every customer code of the fiscal identity, not only the one whose PIN was used.
        customer_codes=tuple(sorted(c.customer_code for c in customers)),
    )
    # A clash on username, e-mail or fiscal code is raised here as the domain's error.
    await deps.store.insert_account(account, tx.session)
    await deps.store.mark_registered(list(account.customer_codes), account.account_id, tx.session)
    await tx.emit(
        AccountRegistered(
            account_id=account.account_id,
            username=account.username,
            email=account.email,
            full_name=account.full_name,
            fiscal_code=account.fiscal_code,
            customer_codes=account.customer_codes,
            registered_at=account.registered_at,
        )
    )
    return RegisterAccountReply(
        account_id=account.account_id, username=account.username, email=account.email
    )


async def _customers_matching_pin(
    deps: Dependencies, request: RegisterAccountRequest
) -> tuple[list[Customer], list[Customer]]:
    """The fiscal code's customers, and those whose PIN is the one given; limits failures."""
    now = deps.clock.now()
    attempts = await deps.store.pin_attempts_of(request.fiscal_code)
    if PIN_ATTEMPTS.locked(attempts.locked_until, now):
        raise TooManyPinAttempts()
    customers = await deps.store.customers_of(request.fiscal_code)
    pin = request.registration_pin
    matching = [c for c in customers if await deps.hasher.verify(c.pin_hash, pin)]
    if not matching:
        if not customers:
            # Same cost as a wrong PIN, so timing does not reveal which fiscal codes are customers.
            await deps.hasher.verify(None, pin)
        failures, locked_until = PIN_ATTEMPTS.after_failure(attempts.failures, now)
        # Outside the command's transaction, on purpose: the refusal aborts it, the count stays.
        await deps.store.record_pin_attempts(
            request.fiscal_code, PinAttempts(failures, locked_until), now + PIN_ATTEMPTS_KEPT
        )
        raise WrongPin()
    return customers, matching
