"""Identity's request/reply operations."""

from sportello_contracts.identity import (
    END_ALL_SESSIONS,
    END_MY_SESSION,
    END_SESSION,
    GET_PROFILE,
    GET_PUBLIC_KEYS,
    GET_SCOPE,
    IMPORT_LEGACY_ACCOUNT,
    LIST_SESSIONS,
    LOG_IN,
    REFRESH_SESSION,
    REGISTER_ACCOUNT,
    EndAllSessionsRequest,
    EndMySessionRequest,
    EndSessionRequest,
    ImportLegacyAccountReply,
    ImportLegacyAccountRequest,
    ListSessionsRequest,
    LogInRequest,
    ProfileReply,
    ProfileRequest,
    PublicKey,
    PublicKeysReply,
    PublicKeysRequest,
    RefreshSessionRequest,
    RegisterAccountReply,
    RegisterAccountRequest,
    ScopeReply,
    ScopeRequest,
    SessionEndedReply,
    SessionReply,
    SessionsEndedReply,
    SessionsReply,
)
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.domain.errors import AccountNotFound
from sportello_identity.entrypoints.refusals import refusing
from sportello_identity.usecases import (
    legacy_accounts,
    my_sessions,
    profile,
    registration,
    sessions,
)
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def scope_of_no_account() -> Refused:
    # A token of a deleted account: the gateway must treat its bearer as signed out.
    return Refused(ErrorKind.UNAUTHENTICATED, "account_not_found", "Account non trovato.")


def register_operations(service: Service, deps: Dependencies) -> None:
    @service.rpc(REGISTER_ACCOUNT)
    async def register_account(
        request: RegisterAccountRequest, tx: Transaction
    ) -> RegisterAccountReply:
        """Register an account with the fiscal code and the PIN of the welcome letter."""
        with refusing():
            return await registration.register_account(deps, request, tx)

    @service.rpc(LOG_IN)
    async def log_in(request: LogInRequest) -> SessionReply:
        """Open a session with username and password."""
        with refusing():
            return await sessions.log_in(deps, request)

    @service.rpc(REFRESH_SESSION)
    async def refresh_session(request: RefreshSessionRequest) -> SessionReply:
        """Trade a refresh token for a new pair of tokens."""
        with refusing():
            return await sessions.refresh_session(deps, request)

    @service.rpc(END_SESSION)
    async def end_session(request: EndSessionRequest) -> SessionEndedReply:
        """Log out: end the session a refresh token belongs to."""
        with refusing():
            return await sessions.end_session(deps, request)

    @service.rpc(GET_PROFILE)
    async def get_profile(request: ProfileRequest) -> ProfileReply:
        """The caller's own profile."""
        assert request.caller is not None  # the kit refuses a request without one
        with refusing():
            return await profile.profile_of(deps, request.caller.user_id)

    @service.rpc(GET_SCOPE)
    async def get_scope(request: ScopeRequest) -> ScopeReply:
        """The role and customer codes an account may act on."""
        try:
            return await profile.scope_of(deps, request.account_id)
        except AccountNotFound:
            raise scope_of_no_account() from None

    @service.rpc(IMPORT_LEGACY_ACCOUNT)
    async def import_legacy_account(
        request: ImportLegacyAccountRequest, tx: Transaction
    ) -> ImportLegacyAccountReply:
        """An operator imports one account of the older portal with its old password hash."""
        with refusing():
            return await legacy_accounts.import_legacy_account(deps, request, tx)

    register_session_operations(service, deps)


def register_session_operations(service: Service, deps: Dependencies) -> None:
    """The public keys the gateway verifies with, and the caller's own sessions."""

    @service.rpc(GET_PUBLIC_KEYS)
    async def get_public_keys(request: PublicKeysRequest) -> PublicKeysReply:
        """Identity's JWKS: the keys access tokens are signed with, the next one too."""
        keys = await deps.tokens.public_keys()
        return PublicKeysReply(keys=tuple(PublicKey.model_validate(k) for k in keys))

    @service.rpc(LIST_SESSIONS)
    async def list_sessions(request: ListSessionsRequest) -> SessionsReply:
        """The caller's live sessions: device, address, when begun and last used."""
        assert request.caller is not None  # the kit refuses a request without one
        return await my_sessions.list_sessions(deps, request.caller)

    @service.rpc(END_MY_SESSION)
    async def end_my_session(request: EndMySessionRequest, tx: Transaction) -> SessionsEndedReply:
        """End one of the caller's sessions."""
        with refusing():
            return await my_sessions.end_my_session(deps, tx, request)

    @service.rpc(END_ALL_SESSIONS)
    async def end_all_sessions(
        request: EndAllSessionsRequest, tx: Transaction
    ) -> SessionsEndedReply:
        """Log out everywhere (optionally but here)."""
        return await my_sessions.end_all_my_sessions(deps, tx, request)
