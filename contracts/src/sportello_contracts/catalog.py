"""Every message on the bus, each with an example: the contract tests read this list."""

from datetime import UTC, datetime
from uuid import UUID

from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.base import Contract
from sportello_contracts.contacts import (
    CHANGE_EMAIL,
    CHANGE_PHONE,
    CONFIRM_EMAIL,
    CONFIRM_PHONE,
    ChangeEmailRequest,
    ChangePhoneRequest,
    ConfirmEmailRequest,
    ConfirmPhoneRequest,
    EmailChanged,
    EmailChangeReply,
    EmailConfirmationIssued,
    EmailConfirmedReply,
    PhoneChanged,
    PhoneChangeReply,
    PhoneCodeIssued,
    PhoneConfirmedReply,
)
from sportello_contracts.credentials import (
    CHANGE_PASSWORD,
    RECOVER_ACCOUNT,
    RESET_PASSWORD,
    AccountRecoveryAsked,
    ChangePasswordRequest,
    PasswordChanged,
    PasswordResetIssued,
    PasswordSetReply,
    RecoverAccountRequest,
    RecoveryAskedReply,
    ResetPasswordRequest,
)
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
from sportello_contracts.personal_data import (
    REQUEST_PERSONAL_DATA_CHANGE,
    UPDATE_CONTACT_PREFERENCES,
    ContactPreferencesReply,
    PersonalDataChangeReply,
    PersonalDataChangeRequested,
    RequestPersonalDataChange,
    Residence,
    UpdateContactPreferencesRequest,
)
from sportello_contracts.rpc import Caller, ErrorKind, Operation, Reply, ServiceError

_CALLER = Caller(user_id="acc-7f3a", role="customer", customer_codes=("C00012345",))
_WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

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
    AccountRecoveryAsked(email="mario.rossi@example.it", client_address="203.0.113.7"),
    PasswordResetIssued(
        account_id="acc-7f3a",
        username="mario.rossi",
        full_name="Mario Rossi",
        email="mario.rossi@example.it",
        reset_token="pr_Vb3k9QxT2mWz8LcR5nYp1aHs7dJf4uEg6oIt0eKyBwM",
        expires_at=_WHEN,
    ),
    PasswordChanged(
        account_id="acc-7f3a",
        username="mario.rossi",
        full_name="Mario Rossi",
        email="mario.rossi@example.it",
        at=_WHEN,
        how="reset",
    ),
    EmailConfirmationIssued(
        account_id="acc-7f3a",
        username="mario.rossi",
        full_name="Mario Rossi",
        new_email="mario@rossi.example",
        current_email="mario.rossi@example.it",
        confirmation_token="ec_Qm4nT8vXz2LkP6wR1yHc9bJd3sFa7uEo5iGt0eKyBwN",
        expires_at=_WHEN,
    ),
    EmailChanged(
        account_id="acc-7f3a",
        username="mario.rossi",
        full_name="Mario Rossi",
        old_email="mario.rossi@example.it",
        new_email="mario@rossi.example",
        at=_WHEN,
    ),
    PhoneCodeIssued(account_id="acc-7f3a", phone="+393331234567", code="480213", expires_at=_WHEN),
    PhoneChanged(
        account_id="acc-7f3a",
        username="mario.rossi",
        full_name="Mario Rossi",
        email="mario.rossi@example.it",
        new_phone="+393331234567",
        at=_WHEN,
    ),
    PersonalDataChangeRequested(
        change_id="pdc-5e1b",
        account_id="acc-7f3a",
        customer_codes=("C00012345",),
        fiscal_code="RSSMRA80A01H501U",
        full_name="Mario Rossi",
        requested_residence=Residence(
            street="Via Garibaldi 7", postal_code="20121", city="Milano", province="MI"
        ),
        note="Trasferito a Milano da marzo.",
        requested_at=_WHEN,
    ),
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    REGISTER_ACCOUNT,
    LOG_IN,
    REFRESH_SESSION,
    END_SESSION,
    GET_PROFILE,
    GET_SCOPE,
    RECOVER_ACCOUNT,
    RESET_PASSWORD,
    CHANGE_PASSWORD,
    CHANGE_EMAIL,
    CONFIRM_EMAIL,
    CHANGE_PHONE,
    CONFIRM_PHONE,
    UPDATE_CONTACT_PREFERENCES,
    REQUEST_PERSONAL_DATA_CHANGE,
    *(health_operation(service) for service in SERVICES),
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
    RecoverAccountRequest(email="mario.rossi@example.it"),
    RecoveryAskedReply(),
    ResetPasswordRequest(
        reset_token="pr_Vb3k9QxT2mWz8LcR5nYp1aHs7dJf4uEg6oIt0eKyBwM",
        new_password="Autunno-a-Trieste-31",
    ),
    PasswordSetReply(),
    ChangePasswordRequest(
        caller=_CALLER, current_password="Primavera-2026!", new_password="Autunno-a-Trieste-31"
    ),
    ChangeEmailRequest(caller=_CALLER, email="mario@rossi.example"),
    EmailChangeReply(pending_email="mario@rossi.example", expires_at=_WHEN),
    ConfirmEmailRequest(confirmation_token="ec_Qm4nT8vXz2LkP6wR1yHc9bJd3sFa7uEo5iGt0eKyBwN"),
    EmailConfirmedReply(email="mario@rossi.example"),
    ChangePhoneRequest(caller=_CALLER, phone="+39 333 123 4567"),
    PhoneChangeReply(pending_phone="+393331234567", expires_at=_WHEN),
    ConfirmPhoneRequest(caller=_CALLER, code="480213"),
    PhoneConfirmedReply(phone="+393331234567"),
    UpdateContactPreferencesRequest(
        caller=_CALLER, preferred_channel="sms", preferred_times=("morning", "evening")
    ),
    ContactPreferencesReply(preferred_channel="sms", preferred_times=("morning", "evening")),
    RequestPersonalDataChange(
        caller=_CALLER,
        residence=Residence(
            street="Via Garibaldi 7", postal_code="20121", city="Milano", province="mi"
        ),
        note="Trasferito a Milano da marzo.",
    ),
    PersonalDataChangeReply(change_id="pdc-5e1b", requested_at=_WHEN),
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
)

EXAMPLE_EVENT_ID = UUID("00000000-0000-4000-8000-000000000001")
