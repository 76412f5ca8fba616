"""Accounts of the older portal brought over one at a time, keeping username and password hash.

The hash stays as the older portal wrote it until the user's first log-in here, which verifies
it (`Argon2Hasher.verify`) and replaces it with argon2id (`sessions.log_in`).
"""

from uuid import uuid4

from sportello_contracts.identity import ImportLegacyAccountReply, ImportLegacyAccountRequest
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import CustomerOfAnotherIdentity
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.domain.legacy_hashes import check_legacy_hash
from sportello_identity.usecases import activity, operators
from sportello_identity.usecases.email_address import announce_contact
from sportello_identity.usecases.ports import Dependencies, Transaction


async def import_legacy_account(
    deps: Dependencies, request: ImportLegacyAccountRequest, tx: Transaction
) -> ImportLegacyAccountReply:
    """The account, with the older portal's hash; nothing written on any refusal.

    Like a registration it holds every registrable customer code of the fiscal identity, and
    the PINs of those codes register nothing more (one account per fiscal identity).
    """
    assert request.caller is not None  # the kit refuses a request without one
    operator = await operators.require(
        deps, request.caller, "accounts.import", "legacy_account.import", request.client_address
    )
    legacy = check_legacy_hash(request.password_hash)
    check_fiscal_code(request.fiscal_code)
    # As registration does: an onboarding of this fiscal identity meanwhile conflicts with it.
    await deps.store.touch_identity(request.fiscal_code, tx.session)
    for code in request.customer_codes:
        known = await deps.store.customer(code, tx.session)
        if known is not None and known.fiscal_code != request.fiscal_code:
            raise CustomerOfAnotherIdentity()
    onboarded = await deps.store.customers_of(request.fiscal_code, tx.session)
    account = Account(
        account_id=str(uuid4()),
        username=request.username,
        email=request.email.lower(),
        full_name=request.full_name or next((c.full_name for c in onboarded), ""),
        fiscal_code=request.fiscal_code,
        password_hash=legacy.stored,
        registered_at=deps.clock.now(),
        customer_codes=tuple(
            sorted({*request.customer_codes, *(c.customer_code for c in onboarded)})
        ),
    )
    # A clash on username, e-mail or fiscal code is raised here as the domain's error.
    await deps.store.insert_account(account, tx.session)
    await deps.store.mark_registered(list(account.customer_codes), account.account_id, tx.session)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "account.imported",
        actor_id=operator.account_id,
        client_address=request.client_address,
        details={"password_scheme": legacy.scheme.value},
    )
    await announce_contact(tx, account, account.registered_at)
    return ImportLegacyAccountReply(
        account_id=account.account_id,
        username=account.username,
        email=account.email,
        password_scheme=legacy.scheme.value,
    )
