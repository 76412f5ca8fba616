"""What an account is and may act on."""

from sportello_contracts.identity import ProfileReply, ProfileRequest, ScopeReply, ScopeRequest
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.bootstrap import Dependencies


async def profile_of(deps: Dependencies, request: ProfileRequest) -> ProfileReply:
    if request.caller is None:
        raise Refused(ErrorKind.UNAUTHENTICATED, "unauthenticated", "Autenticazione richiesta.")
    account = await deps.store.account(request.caller.user_id)
    if account is None:
        raise Refused(ErrorKind.NOT_FOUND, "account_not_found", "Account non trovato.")
    return ProfileReply(
        account_id=account["_id"],
        username=account["username"],
        email=account["email"],
        full_name=account["full_name"],
        fiscal_code=account["fiscal_code"],
        role=account["role"],
        customer_codes=tuple(account["customer_codes"]),
        registered_at=account["registered_at"],
    )


async def scope_of(deps: Dependencies, request: ScopeRequest) -> ScopeReply:
    account = await deps.store.account(request.account_id)
    if account is None:
        # A token of a deleted account: the gateway must treat its bearer as signed out.
        raise Refused(ErrorKind.UNAUTHENTICATED, "account_not_found", "Account non trovato.")
    return ScopeReply(
        account_id=account["_id"],
        role=account["role"],
        customer_codes=tuple(account["customer_codes"]),
    )
