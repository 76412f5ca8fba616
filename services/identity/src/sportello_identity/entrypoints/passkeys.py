"""Identity's passkey operations: add, list and remove passkeys; sign in with one."""

from sportello_contracts.identity import (
    BEGIN_PASSKEY_REGISTRATION,
    BEGIN_PASSKEY_SIGN_IN,
    DELETE_PASSKEY,
    FINISH_PASSKEY_REGISTRATION,
    FINISH_PASSKEY_SIGN_IN,
    LIST_PASSKEYS,
    BeginPasskeyRegistrationRequest,
    BeginPasskeySignInRequest,
    DeletePasskeyRequest,
    FinishPasskeyRegistrationRequest,
    FinishPasskeySignInRequest,
    ListPasskeysRequest,
    PasskeyDeletedReply,
    PasskeyOptionsReply,
    PasskeyReply,
    PasskeysReply,
    SessionReply,
)
from sportello_identity.entrypoints.refusals import refusing
from sportello_identity.usecases import passkeys
from sportello_identity.usecases.ports import Dependencies, PasskeyDependencies
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def register_passkey_operations(
    service: Service, deps: Dependencies, keys: PasskeyDependencies
) -> None:
    @service.rpc(BEGIN_PASSKEY_REGISTRATION)
    async def begin_registration(request: BeginPasskeyRegistrationRequest) -> PasskeyOptionsReply:
        """Options for adding a passkey to the caller's account."""
        assert request.caller is not None  # the kit refuses a request without one
        with refusing():
            return await passkeys.begin_registration(deps, keys, request.caller)

    @service.rpc(FINISH_PASSKEY_REGISTRATION)
    async def finish_registration(
        request: FinishPasskeyRegistrationRequest, tx: Transaction
    ) -> PasskeyReply:
        """Keep the new passkey once its attestation verified."""
        with refusing():
            return await passkeys.finish_registration(deps, keys, request, tx)

    @service.rpc(LIST_PASSKEYS)
    async def list_passkeys(request: ListPasskeysRequest) -> PasskeysReply:
        """The caller's passkeys."""
        assert request.caller is not None
        return await passkeys.passkeys_of(keys, request.caller)

    @service.rpc(DELETE_PASSKEY)
    async def delete_passkey(request: DeletePasskeyRequest, tx: Transaction) -> PasskeyDeletedReply:
        """Remove one of the caller's passkeys."""
        assert request.caller is not None
        with refusing():
            await passkeys.delete_passkey(deps, keys, request.caller, request.passkey_id, tx)
        return PasskeyDeletedReply()

    @service.rpc(BEGIN_PASSKEY_SIGN_IN)
    async def begin_sign_in(request: BeginPasskeySignInRequest) -> PasskeyOptionsReply:
        """Options for signing in with a passkey (no username)."""
        with refusing():
            return await passkeys.begin_sign_in(deps, keys, request.client_address)

    @service.rpc(FINISH_PASSKEY_SIGN_IN)
    async def finish_sign_in(request: FinishPasskeySignInRequest) -> SessionReply:
        """Open a session with a passkey's signed answer."""
        with refusing():
            return await passkeys.finish_sign_in(deps, keys, request)
