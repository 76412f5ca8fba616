"""Registration with the welcome letter's PIN: one account per fiscal identity."""

from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.identity import (
    AccountRegistered,
    RegisterAccountReply,
    RegisterAccountRequest,
)
from sportello_identity.domain.accounts import Account, Customer, check_pin_unused
from sportello_identity.domain.attempts import fiscal_code_subject, longest
from sportello_identity.domain.errors import TooManyPinAttempts, WrongPin
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.domain.passwords import check_password
from sportello_identity.usecases.email_address import announce_contact, issue_email_confirmation
from sportello_identity.usecases.guesses import Guess, address_limited
from sportello_identity.usecases.ports import DbSession, Dependencies, Transaction


async def register_account(
    deps: Dependencies, request: RegisterAccountRequest, tx: Transaction
) -> RegisterAccountReply:
    """The account, written with the event that announces it; refusals are domain errors.

    It writes the fiscal identity's document, as onboarding does: a customer code onboarded
    while this runs either is seen here or sees the account (one of the two is retried).
    """
    check_fiscal_code(request.fiscal_code)
    check_password(request.password, username=request.username, fiscal_code=request.fiscal_code)

    # First, before any hash: an onboarding of this fiscal identity running or committed
    # meanwhile makes this write conflict now, and the retry has spent no hash yet.
    await deps.store.touch_identity(request.fiscal_code, tx.session)
    customers, matching = await _customers_matching_pin(deps, request, tx)
    check_pin_unused(matching)
    first = matching[0]
    # An address typed here is reserved for the account but used only once confirmed.
    onboarding_email = first.email.lower()
    email = (request.email or onboarding_email).lower()
    account = Account(
        account_id=str(uuid4()),
        username=request.username,
        email=email,
        email_verified=email == onboarding_email,
        onboarding_email=onboarding_email,
        full_name=first.full_name,
        fiscal_code=request.fiscal_code,
        password_hash=await deps.hasher.hash(request.password),
        registered_at=deps.clock.now(),
        # Every customer code of the fiscal identity, not only the one whose PIN was used, but
        # those an administrator holds.
        customer_codes=tuple(
            sorted(c.customer_code for c in customers if c.administrator_id is None)
        ),
    )
    # A clash on username, e-mail or fiscal code is raised here as the domain's error.
    await deps.store.insert_account(account, tx.session)
    await deps.store.mark_registered(list(account.customer_codes), account.account_id, tx.session)
    await tx.emit(
        AccountRegistered(
            account_id=account.account_id,
            username=account.username,
            email=account.contact_email,
            full_name=account.full_name,
            fiscal_code=account.fiscal_code,
            customer_codes=account.customer_codes,
            registered_at=account.registered_at,
        )
    )
    await announce_contact(tx, account, account.registered_at)
    if account.unverified_email is not None:
        await issue_email_confirmation(deps, tx, account, account.unverified_email)
    return RegisterAccountReply(
        account_id=account.account_id,
        username=account.username,
        email=account.contact_email,
        pending_email=account.unverified_email,
    )


async def _customers_matching_pin(
    deps: Dependencies, request: RegisterAccountRequest, tx: Transaction
) -> tuple[list[Customer], list[Customer]]:
    return await customers_matching_pin(
        deps, request.fiscal_code, request.registration_pin, request.client_address, tx.session
    )


async def customers_matching_pin(
    deps: Dependencies,
    fiscal_code: str,
    pin: str,
    client_address: IPv4Address | IPv6Address | None,
    db: DbSession,
) -> tuple[list[Customer], list[Customer]]:
    """The fiscal code's customers, and those whose PIN is the one given; `WrongPin` if none.

    The guess is counted first, per fiscal code and per client address, outside the
    transaction: a wrong PIN aborts it, and the count must stay. (Registration, and an
    administrator adding a condominium, prove a customer code is theirs this way.)
    """
    subject = fiscal_code_subject(fiscal_code)
    address = address_limited(deps, client_address)
    guess = Guess(deps, [(subject, deps.limits.per_fiscal_code), *address])
    if waits := await guess.reserve():
        raise TooManyPinAttempts(longest(waits.values()).retry_after(guess.now))
    async with guess.checking():
        customers = await deps.store.customers_of(fiscal_code, db)
        matching = [c for c in customers if await deps.hasher.verify(c.pin_hash, pin)]
        if not customers:
            # Same cost as a wrong PIN, so timing does not reveal which fiscal codes are customers.
            await deps.hasher.verify(None, pin)
    if not matching:
        await guess.failed()
        raise WrongPin()
    await guess.succeeded(forget={subject})
    return customers, matching
