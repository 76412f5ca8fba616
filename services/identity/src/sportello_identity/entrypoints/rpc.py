"""Identity's request/reply operations."""

from sportello_contracts.contacts import (
    CHANGE_EMAIL,
    CHANGE_PHONE,
    CONFIRM_EMAIL,
    CONFIRM_PHONE,
    ChangeEmailRequest,
    ChangePhoneRequest,
    ConfirmEmailRequest,
    ConfirmPhoneRequest,
    EmailChangeReply,
    EmailConfirmedReply,
    PhoneChangeReply,
    PhoneConfirmedReply,
)
from sportello_contracts.credentials import (
    CHANGE_PASSWORD,
    RECOVER_ACCOUNT,
    RESET_PASSWORD,
    ChangePasswordRequest,
    PasswordSetReply,
    RecoverAccountRequest,
    RecoveryAskedReply,
    ResetPasswordRequest,
)
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
from sportello_contracts.personal_data import (
    REQUEST_PERSONAL_DATA_CHANGE,
    UPDATE_CONTACT_PREFERENCES,
    ContactPreferencesReply,
    PersonalDataChangeReply,
    RequestPersonalDataChange,
    UpdateContactPreferencesRequest,
)
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_identity.domain.errors import AccountNotFound
from sportello_identity.entrypoints.refusals import refusing
from sportello_identity.usecases import (
    email_address,
    legacy_accounts,
    my_sessions,
    passwords,
    personal_data,
    phone,
    profile,
    recovery,
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

    @service.rpc(RECOVER_ACCOUNT)
    async def recover_account(
        request: RecoverAccountRequest, tx: Transaction
    ) -> RecoveryAskedReply:
        """Lost password or username: e-mail the username and a reset link to the address."""
        with refusing():
            return await recovery.ask_recovery(deps, request, tx)

    @service.rpc(RESET_PASSWORD)
    async def reset_password(request: ResetPasswordRequest, tx: Transaction) -> PasswordSetReply:
        """Set a new password with the token of a reset link."""
        with refusing():
            return await recovery.reset_password(deps, request, tx)

    @service.rpc(CHANGE_PASSWORD)
    async def change_password(request: ChangePasswordRequest, tx: Transaction) -> PasswordSetReply:
        """Change the caller's password, the current one required."""
        with refusing():
            return await passwords.change_password(deps, request, tx)

    @service.rpc(CHANGE_EMAIL)
    async def change_email(request: ChangeEmailRequest, tx: Transaction) -> EmailChangeReply:
        """Send a confirmation link to the caller's new address."""
        with refusing():
            return await email_address.change_email(deps, request, tx)

    @service.rpc(CONFIRM_EMAIL)
    async def confirm_email(request: ConfirmEmailRequest, tx: Transaction) -> EmailConfirmedReply:
        """Make a confirmation link's address the account's."""
        with refusing():
            return await email_address.confirm_email(deps, request, tx)

    @service.rpc(CHANGE_PHONE)
    async def change_phone(request: ChangePhoneRequest, tx: Transaction) -> PhoneChangeReply:
        """Text a code to the caller's new mobile number."""
        with refusing():
            return await phone.change_phone(deps, request, tx)

    @service.rpc(CONFIRM_PHONE)
    async def confirm_phone(request: ConfirmPhoneRequest, tx: Transaction) -> PhoneConfirmedReply:
        """Make the number the account's with the code texted to it."""
        with refusing():
            return await phone.confirm_phone(deps, request, tx)

    @service.rpc(UPDATE_CONTACT_PREFERENCES)
    async def update_contact_preferences(
        request: UpdateContactPreferencesRequest, tx: Transaction
    ) -> ContactPreferencesReply:
        """Set how and when customer service contacts the caller."""
        with refusing():
            return await personal_data.update_contact_preferences(deps, request, tx)

    @service.rpc(REQUEST_PERSONAL_DATA_CHANGE)
    async def request_personal_data_change(
        request: RequestPersonalDataChange, tx: Transaction
    ) -> PersonalDataChangeReply:
        """Ask the back-office to change registered personal data."""
        with refusing():
            return await personal_data.request_personal_data_change(deps, request, tx)

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
