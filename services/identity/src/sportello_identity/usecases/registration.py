"""Registration with the welcome letter's PIN: one account per fiscal identity."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from pymongo.errors import DuplicateKeyError

from sportello_contracts.identity import (
    AccountRegistered,
    RegisterAccountReply,
    RegisterAccountRequest,
)
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.adapters.hashing import hash_secret, verify_secret
from sportello_identity.bootstrap import Dependencies
from sportello_identity.domain.accounts import (
    WRONG_PIN,
    Account,
    Customer,
    check_pin_unused,
    password_refusal,
)
from sportello_identity.domain.attempts import PIN_ATTEMPTS
from sportello_identity.domain.fiscal import is_valid_fiscal_code
from sportello_identity.domain.passwords import password_problems
from sportello_kit.transaction import Transaction


async def register_account(
    deps: Dependencies, request: RegisterAccountRequest, tx: Transaction
) -> RegisterAccountReply:
    if not is_valid_fiscal_code(request.fiscal_code):
        raise Refused(
            ErrorKind.INVALID,
            "invalid_fiscal_code",
            "Il codice fiscale o la partita IVA non sono validi.",
        )
    problems = password_problems(
        request.password, username=request.username, fiscal_code=request.fiscal_code
    )
    if problems:
        raise password_refusal(problems)

    customers, matching = await _customers_matching_pin(deps, request)
    check_pin_unused(matching)
    first = matching[0]
    account = Account(
        account_id=str(uuid4()),
        username=request.username,
        email=(request.email or first.email).lower(),
        full_name=first.full_name,
        fiscal_code=request.fiscal_code,
        password_hash=await hash_secret(request.password),
        registered_at=datetime.now(UTC),
        # Every customer code of the fiscal identity, not only the one whose PIN was used.
        customer_codes=tuple(sorted(c.customer_code for c in customers)),
    )
    registered = AccountRegistered(
            account_id=account.account_id,
            username=account.username,
            email=account.email,
            full_name=account.full_name,
            fiscal_code=account.fiscal_code,
            customer_codes=account.customer_codes,
            registered_at=account.registered_at,
    )
    try:
        await deps.store.insert_account(account, tx.session)
    except DuplicateKeyError as clash:
        raise _clash_refusal(clash) from None
    await deps.store.mark_registered(list(account.customer_codes), account.account_id, tx.session)
    await tx.emit(registered)
    return RegisterAccountReply(
        account_id=account.account_id, username=account.username, email=account.email
    )


async def _customers_matching_pin(
    deps: Dependencies, request: RegisterAccountRequest
) -> tuple[list[Customer], list[Customer]]:
    """The fiscal code's customers, and those whose PIN is the one given; limits failures."""
    now = datetime.now(UTC)
    attempts = await deps.store.pin_attempts_of(request.fiscal_code)
    if PIN_ATTEMPTS.locked(attempts.get("locked_until"), now):
        raise Refused(
            ErrorKind.TOO_MANY,
            "too_many_attempts",
            "Troppi tentativi con un PIN errato. Riprova più tardi.",
        )
    customers = await deps.store.customers_of(request.fiscal_code)
    matching = [c for c in customers if await verify_secret(c.pin_hash, request.registration_pin)]
    if not matching:
        if not customers:
            # Same cost as a wrong PIN, so timing does not reveal which fiscal codes are customers.
            await verify_secret(None, request.registration_pin)
        failures, locked_until = PIN_ATTEMPTS.after_failure(attempts.get("failures", 0), now)
        await deps.store.record_pin_attempts(
            request.fiscal_code, failures, locked_until, now + timedelta(days=1)
        )
        raise WRONG_PIN
    return customers, matching


def _clash_refusal(clash: DuplicateKeyError) -> Refused:
    field = next(iter((clash.details or {}).get("keyPattern", {})), "")
    if field == "username":
        return Refused(ErrorKind.CONFLICT, "username_taken", "Questo nome utente è già in uso.")
    if field == "email":
        return Refused(
            ErrorKind.CONFLICT,
            "email_taken",
            "Questo indirizzo e-mail è già usato da un altro account: ogni registrazione "
            "richiede un indirizzo diverso.",
        )
    return Refused(
        ErrorKind.CONFLICT,
        "already_registered",
        "Esiste già un account per questo codice fiscale.",
    )
