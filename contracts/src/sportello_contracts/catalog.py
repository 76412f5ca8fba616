"""Every message on the bus, each with an example: the contract tests read this list."""

from datetime import UTC, datetime
from uuid import UUID

from sportello_contracts.administrators import (
    ADD_CONDOMINIUM,
    ISSUE_ADMINISTRATOR_CODE,
    REGISTER_ADMINISTRATOR,
    REMOVE_CONDOMINIUM,
    AddCondominiumRequest,
    AdministratorCodeIssued,
    AdministratorCodeReply,
    CondominiumsReply,
    IssueAdministratorCodeRequest,
    RegisterAdministratorRequest,
    RemoveCondominiumRequest,
)
from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.health import SERVICES, HealthReply, HealthRequest, health_operation
from sportello_contracts.identity import (
    END_SESSION,
    GET_PROFILE,
    GET_SCOPE,
    LOG_IN,
    REFRESH_SESSION,
    REGISTER_ACCOUNT,
    AccountActivity,
    AccountRegistered,
    EndSessionRequest,
    LogInRequest,
    ProfileReply,
    ProfileRequest,
    RefreshSessionRequest,
    RegisterAccountReply,
    RegisterAccountRequest,
    ScopeChanged,
    ScopeReply,
    ScopeRequest,
    SessionEndedReply,
    SessionReply,
)
from sportello_contracts.operators import (
    CREATE_OPERATOR,
    RECORD_REFUSED_ACCESS,
    CreateOperatorRequest,
    OperatorReply,
    RecordRefusedAccessRequest,
    RefusedAccessRecorded,
)
from sportello_contracts.rpc import Caller, ErrorKind, Operation, Reply, ServiceError
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
    ActivityEntry,
    ActivityPage,
    CustomerActivityRequest,
    MyActivityRequest,
)

_CALLER = Caller(user_id="acc-7f3a", role="customer", customer_codes=("C00012345",))
_WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
_OPERATOR = Caller(
    user_id="op-41c2", role="operator", permissions=("operators.manage", "accounts.read")
)

EVENT_EXAMPLES: tuple[EventPayload, ...] = (
    CustomerOnboarded(
        customer_code="C00012345",
        fiscal_code="RSSMRA80A01H501U",
        full_name="Mario Rossi",
        email="mario.rossi@example.it",
    ),
    RegistrationPinIssued(
        customer_code="C00012345", fiscal_code="RSSMRA80A01H501U", registration_pin="48213907"
    ),
    AccountRegistered(
        account_id="acc-7f3a",
        username="mario.rossi",
        email="mario.rossi@example.it",
        full_name="Mario Rossi",
        fiscal_code="RSSMRA80A01H501U",
        customer_codes=("C00012345",),
        registered_at=_WHEN,
    ),
    ScopeChanged(account_id="acc-7f3a", customer_codes=("C00012345", "C00012346")),
    AccountActivity(
        activity_id="0b6f2c",
        account_id="acc-7f3a",
        kind="session.opened",
        at=_WHEN,
        client_address="203.0.113.7",
    ),
    AdministratorCodeIssued(
        firm_name="Studio Amministrazioni Bianchi",
        vat_number="01114601006",
        email="studio@amministrazionibianchi.example.it",
        code="AMM-K7MQ-2XBT-9HZC",
        expires_at=_WHEN,
    ),
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    REGISTER_ACCOUNT,
    LOG_IN,
    REFRESH_SESSION,
    END_SESSION,
    GET_PROFILE,
    GET_SCOPE,
    *(health_operation(service) for service in SERVICES),
    CREATE_OPERATOR,
    RECORD_REFUSED_ACCESS,
    START_TOTP_ENROLMENT,
    CONFIRM_TOTP,
    DISABLE_TOTP,
    REGENERATE_RECOVERY_CODES,
    COMPLETE_LOG_IN,
    ISSUE_ADMINISTRATOR_CODE,
    REGISTER_ADMINISTRATOR,
    ADD_CONDOMINIUM,
    REMOVE_CONDOMINIUM,
    GET_MY_ACTIVITY,
    GET_CUSTOMER_ACTIVITY,
)

RPC_EXAMPLES: tuple[Contract, ...] = (
    RegisterAccountRequest(
        fiscal_code="RSSMRA80A01H501U",
        registration_pin="48213907",
        username="mario.rossi",
        password="Primavera-2026!",
    ),
    RegisterAccountReply(account_id="acc-7f3a", username="mario.rossi", email="m@example.it"),
    LogInRequest(username="mario.rossi", password="Primavera-2026!"),
    RefreshSessionRequest(refresh_token="rt_2b1c9e"),
    SessionReply(access_token="eyJ...", refresh_token="rt_2b1c9e", expires_in=900),
    EndSessionRequest(refresh_token="rt_2b1c9e"),
    SessionEndedReply(),
    ProfileRequest(caller=_CALLER),
    ProfileReply(
        account_id="acc-7f3a",
        username="mario.rossi",
        email="mario.rossi@example.it",
        full_name="Mario Rossi",
        fiscal_code="RSSMRA80A01H501U",
        role="customer",
        customer_codes=("C00012345",),
        registered_at=_WHEN,
    ),
    ScopeRequest(account_id="acc-7f3a"),
    ScopeReply(account_id="acc-7f3a", role="customer", customer_codes=("C00012345",)),
    HealthRequest(),
    HealthReply(
        service="identity", status="ok", database=True, consumers_attached=True, version="0.1.0"
    ),
    Reply(
        error=ServiceError(
            kind=ErrorKind.CONFLICT,
            code="username_taken",
            message="Questo nome utente è già in uso.",
            details={"username": "mario.rossi"},
        )
    ),
    CreateOperatorRequest(
        caller=_OPERATOR,
        username="op.rossi",
        email="paolo.rossi@fornitore.example.it",
        full_name="Paolo Rossi",
        password="Sportello-Turno-2026",
        permissions=("accounts.read",),
    ),
    OperatorReply(
        account_id="op-9d1e",
        username="op.rossi",
        email="paolo.rossi@fornitore.example.it",
        full_name="Paolo Rossi",
        permissions=("accounts.read",),
    ),
    RecordRefusedAccessRequest(
        caller=_CALLER, action="POST /v1/operators", reason="operators_only"
    ),
    RefusedAccessRecorded(activity_id="5e1a7c"),
    StartTotpEnrolmentRequest(caller=_CALLER),
    TotpEnrolmentReply(
        otpauth_uri="otpauth://totp/Sportello:mario.rossi?secret=F2MA6ZP6TJFES5ZVZ55546HHWDNIRBZM&issuer=Sportello",
        secret="F2MA6ZP6TJFES5ZVZ55546HHWDNIRBZM",
    ),
    ConfirmTotpRequest(caller=_CALLER, code="492039"),
    RecoveryCodesReply(recovery_codes=("k7mq-2xbt-9hzc", "p4wd-8naf-3rjy")),
    DisableTotpRequest(caller=_CALLER, code="492039"),
    TotpDisabledReply(),
    RegenerateRecoveryCodesRequest(caller=_CALLER, code="k7mq-2xbt-9hzc"),
    CompleteLogInRequest(challenge="ch_Qm9uZ2lvcm5v", code="492039"),
    IssueAdministratorCodeRequest(
        caller=_OPERATOR,
        firm_name="Studio Amministrazioni Bianchi",
        vat_number="01114601006",
        email="studio@amministrazionibianchi.example.it",
    ),
    AdministratorCodeReply(
        code="AMM-K7MQ-2XBT-9HZC",
        firm_name="Studio Amministrazioni Bianchi",
        email="studio@amministrazionibianchi.example.it",
        expires_at=_WHEN,
    ),
    RegisterAdministratorRequest(
        administrator_code="AMM-K7MQ-2XBT-9HZC",
        username="studio.bianchi",
        password="Condomini-in-Ordine-26",
    ),
    AddCondominiumRequest(caller=_CALLER, customer_code="C00010005", registration_pin="26485910"),
    RemoveCondominiumRequest(caller=_CALLER, customer_code="C00010005"),
    CondominiumsReply(customer_codes=("C00010005", "C00010006")),
    MyActivityRequest(caller=_CALLER, limit=20),
    CustomerActivityRequest(caller=_OPERATOR, account_id="acc-7f3a", before="MjAyNi0xMS0wMl8"),
    ActivityPage(
        entries=(
            ActivityEntry(
                activity_id="0b6f2c",
                kind="session.opened",
                at=_WHEN,
                client_address="203.0.113.7",
                details={"method": "totp"},
            ),
        ),
        next_cursor="MjAyNi0xMS0wMl8",
    ),
)

EXAMPLE_EVENT_ID = UUID("00000000-0000-4000-8000-000000000001")
