"""Identity's operations for operators and second factors (beside `rpc.py`'s)."""

from sportello_contracts.administrators import (
    ADD_CONDOMINIUM,
    ISSUE_ADMINISTRATOR_CODE,
    REGISTER_ADMINISTRATOR,
    REMOVE_CONDOMINIUM,
    AddCondominiumRequest,
    AdministratorCodeReply,
    CondominiumsReply,
    IssueAdministratorCodeRequest,
    RegisterAdministratorRequest,
    RemoveCondominiumRequest,
)
from sportello_contracts.identity import RegisterAccountReply, SessionReply
from sportello_contracts.operators import (
    CREATE_OPERATOR,
    RECORD_REFUSED_ACCESS,
    CreateOperatorRequest,
    OperatorReply,
    RecordRefusedAccessRequest,
    RefusedAccessRecorded,
)
from sportello_contracts.rpc import Caller, Request
from sportello_contracts.second_factor import (
    COMPLETE_LOG_IN,
    CONFIRM_TOTP,
    DISABLE_TOTP,
    REGENERATE_RECOVERY_CODES,
    START_TOTP_ENROLMENT,
    CompleteLogInRequest,
    ConfirmTotpRequest,
    DisableTotpRequest,
    RecoveryCodesReply,
    RegenerateRecoveryCodesRequest,
    StartTotpEnrolmentRequest,
    TotpDisabledReply,
    TotpEnrolmentReply,
)
from sportello_contracts.trail import (
    GET_CUSTOMER_ACTIVITY,
    GET_MY_ACTIVITY,
    ActivityPage,
    CustomerActivityRequest,
    MyActivityRequest,
)
from sportello_identity.entrypoints.refusals import refusing
from sportello_identity.usecases import administrators, operators, second_factor, trail
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def caller_of(request: Request) -> Caller:
    assert request.caller is not None  # the kit refuses a request without one
    return request.caller


def register_staff_operations(service: Service, deps: Dependencies) -> None:
    @service.rpc(CREATE_OPERATOR)
    async def create_operator(request: CreateOperatorRequest, tx: Transaction) -> OperatorReply:
        """An operator with `operators.manage` creates another operator."""
        with refusing():
            return await operators.create_operator(deps, request, tx)

    @service.rpc(RECORD_REFUSED_ACCESS)
    async def record_refused_access(
        request: RecordRefusedAccessRequest, tx: Transaction
    ) -> RefusedAccessRecorded:
        """Keep, in the caller's trail, an operators' route the gateway refused them."""
        with refusing():
            return await operators.record_refused_access(deps, request, tx)

    @service.rpc(START_TOTP_ENROLMENT)
    async def start_totp(request: StartTotpEnrolmentRequest) -> TotpEnrolmentReply:
        """A new TOTP secret for the caller, pending until its first code."""
        with refusing():
            return await second_factor.start_enrolment(deps, caller_of(request).user_id)

    @service.rpc(CONFIRM_TOTP)
    async def confirm_totp(request: ConfirmTotpRequest) -> RecoveryCodesReply:
        """The first code turns TOTP on; the recovery codes come back this once."""
        with refusing():
            return await second_factor.confirm_enrolment(
                deps, caller_of(request).user_id, request.code, request.client_address
            )

    @service.rpc(DISABLE_TOTP)
    async def disable_totp(request: DisableTotpRequest, tx: Transaction) -> TotpDisabledReply:
        """TOTP off, with a current code."""
        with refusing():
            return await second_factor.disable(
                deps, caller_of(request).user_id, request.code, request.client_address, tx
            )

    @service.rpc(REGENERATE_RECOVERY_CODES)
    async def regenerate(request: RegenerateRecoveryCodesRequest) -> RecoveryCodesReply:
        """New recovery codes, with a current code; the old ones stop working."""
        with refusing():
            return await second_factor.regenerate_recovery_codes(
                deps, caller_of(request).user_id, request.code, request.client_address
            )

    @service.rpc(COMPLETE_LOG_IN)
    async def complete_log_in(request: CompleteLogInRequest) -> SessionReply:
        """A log-in's second step: the password step's challenge and a code."""
        with refusing():
            return await second_factor.complete_log_in(deps, request)

    @service.rpc(ISSUE_ADMINISTRATOR_CODE)
    async def issue_administrator_code(
        request: IssueAdministratorCodeRequest,
    ) -> AdministratorCodeReply:
        """An operator issues a firm's administrator code (e-mailed to it, shown once)."""
        with refusing():
            return await administrators.issue_code(deps, request)

    @service.rpc(REGISTER_ADMINISTRATOR)
    async def register_administrator(
        request: RegisterAdministratorRequest, tx: Transaction
    ) -> RegisterAccountReply:
        """A condominium administrator registers with the code the firm received."""
        with refusing():
            return await administrators.register_administrator(deps, request, tx)

    @service.rpc(ADD_CONDOMINIUM)
    async def add_condominium(request: AddCondominiumRequest, tx: Transaction) -> CondominiumsReply:
        """An administrator adds a condominium with its customer code and registration PIN."""
        with refusing():
            return await administrators.add_condominium(deps, request, tx)

    @service.rpc(REMOVE_CONDOMINIUM)
    async def remove_condominium(
        request: RemoveCondominiumRequest, tx: Transaction
    ) -> CondominiumsReply:
        """An administrator stops administering a condominium."""
        with refusing():
            return await administrators.remove_condominium(deps, request, tx)

    @service.rpc(GET_MY_ACTIVITY)
    async def my_activity(request: MyActivityRequest) -> ActivityPage:
        """The caller's own trail, newest first."""
        with refusing():
            return await trail.my_activity(deps, request)

    @service.rpc(GET_CUSTOMER_ACTIVITY)
    async def customer_activity(request: CustomerActivityRequest) -> ActivityPage:
        """An account's trail for an operator with `accounts.read` (the access is recorded)."""
        with refusing():
            return await trail.customer_activity(deps, request)
