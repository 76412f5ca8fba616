"""Every message on the bus, each with an example: the contract tests read this list."""

from datetime import UTC, datetime
from uuid import UUID

from sportello_contracts import catalog_billing, catalog_payments, catalog_readings
from sportello_contracts.account_deletion import (
    CONFIRM_ACCOUNT_DELETION,
    REQUEST_ACCOUNT_DELETION,
    AccountDeleted,
    AccountDeletedReply,
    AccountDeletionRequestedReply,
    BillingAccountDataErased,
    ConfirmAccountDeletionRequest,
    NotificationsAccountDataErased,
    RequestAccountDeletionRequest,
)
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
    BEGIN_PASSKEY_REGISTRATION,
    BEGIN_PASSKEY_SIGN_IN,
    DELETE_PASSKEY,
    END_ALL_SESSIONS,
    END_MY_SESSION,
    END_SESSION,
    FINISH_PASSKEY_REGISTRATION,
    FINISH_PASSKEY_SIGN_IN,
    GET_PROFILE,
    GET_PUBLIC_KEYS,
    GET_SCOPE,
    IMPORT_LEGACY_ACCOUNT,
    LIST_PASSKEYS,
    LIST_SESSIONS,
    LOG_IN,
    REFRESH_SESSION,
    REGISTER_ACCOUNT,
    AccountActivity,
    AccountRegistered,
    BeginPasskeyRegistrationRequest,
    BeginPasskeySignInRequest,
    DeletePasskeyRequest,
    EndAllSessionsRequest,
    EndMySessionRequest,
    EndSessionRequest,
    FinishPasskeyRegistrationRequest,
    FinishPasskeySignInRequest,
    ImportLegacyAccountReply,
    ImportLegacyAccountRequest,
    ListPasskeysRequest,
    ListSessionsRequest,
    LogInRequest,
    PasskeyDeletedReply,
    PasskeyOptionsReply,
    PasskeyReply,
    PasskeysReply,
    ProfileReply,
    ProfileRequest,
    PublicKey,
    PublicKeysReply,
    PublicKeysRequest,
    RefreshSessionRequest,
    RegisterAccountReply,
    RegisterAccountRequest,
    ScopeChanged,
    ScopeReply,
    ScopeRequest,
    SessionEndedReply,
    SessionReply,
    SessionsEnded,
    SessionsEndedReply,
    SessionsReply,
    SessionSummary,
)
from sportello_contracts.operators import (
    CREATE_OPERATOR,
    RECORD_REFUSED_ACCESS,
    CreateOperatorRequest,
    OperatorReply,
    RecordRefusedAccessRequest,
    RefusedAccessRecorded,
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
_PASSKEY = PasskeyReply(
    passkey_id="9f1c2a", name="Portatile di casa", created_at=_WHEN, transports=("internal",)
)
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
    AccountDeleted(
        deletion_id="d41c9a",
        account_id="acc-7f3a",
        customer_codes=("C00012345",),
        email="mario.rossi@example.it",
        deleted_at=_WHEN,
    ),
    BillingAccountDataErased(deletion_id="d41c9a", account_id="acc-7f3a", erased_at=_WHEN),
    NotificationsAccountDataErased(deletion_id="d41c9a", account_id="acc-7f3a", erased_at=_WHEN),
    SessionsEnded(account_id="acc-7f3a", session_ids=("5f0c2a9e",)),
    AdministratorCodeIssued(
        firm_name="Studio Amministrazioni Bianchi",
        vat_number="01114601006",
        email="studio@amministrazionibianchi.example.it",
        code="AMM-K7MQ-2XBT-9HZC",
        expires_at=_WHEN,
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
    *catalog_billing.EVENT_EXAMPLES,
    *catalog_payments.EVENT_EXAMPLES,
    *catalog_readings.EVENT_EXAMPLES,
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    REGISTER_ACCOUNT,
    LOG_IN,
    REFRESH_SESSION,
    END_SESSION,
    GET_PROFILE,
    GET_SCOPE,
    IMPORT_LEGACY_ACCOUNT,
    BEGIN_PASSKEY_REGISTRATION,
    FINISH_PASSKEY_REGISTRATION,
    LIST_PASSKEYS,
    DELETE_PASSKEY,
    BEGIN_PASSKEY_SIGN_IN,
    FINISH_PASSKEY_SIGN_IN,
    REQUEST_ACCOUNT_DELETION,
    CONFIRM_ACCOUNT_DELETION,
    GET_PUBLIC_KEYS,
    LIST_SESSIONS,
    END_MY_SESSION,
    END_ALL_SESSIONS,
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
    *catalog_billing.OPERATIONS,
    *catalog_payments.OPERATIONS,
    *catalog_readings.OPERATIONS,
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
    ImportLegacyAccountRequest(
        caller=Caller(user_id="op-31c2", role="operator"),
        username="Mario.Rossi@Vecchio-Portale",
        password_hash="$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        fiscal_code="RSSMRA80A01H501U",
        customer_codes=("C00012345",),
        email="mario.rossi@example.it",
    ),
    ImportLegacyAccountReply(
        account_id="acc-7f3a",
        username="mario.rossi@vecchio-portale",
        email="mario.rossi@example.it",
        password_scheme="bcrypt",
    ),
    BeginPasskeyRegistrationRequest(caller=_CALLER),
    PasskeyOptionsReply(
        public_key={
            "rp": {"id": "area-clienti.example.it", "name": "Area Clienti"},
            "challenge": "q3Zr0xJm6h7lW2pB9dYtRA",
        }
    ),
    FinishPasskeyRegistrationRequest(
        caller=_CALLER,
        name="Portatile di casa",
        credential={"id": "4urWQ3_Q", "rawId": "4urWQ3_Q", "type": "public-key", "response": {}},
    ),
    _PASSKEY,
    ListPasskeysRequest(caller=_CALLER),
    PasskeysReply(passkeys=(_PASSKEY,)),
    DeletePasskeyRequest(caller=_CALLER, passkey_id="9f1c2a"),
    PasskeyDeletedReply(),
    BeginPasskeySignInRequest(),
    FinishPasskeySignInRequest(
        credential={"id": "4urWQ3_Q", "rawId": "4urWQ3_Q", "type": "public-key", "response": {}}
    ),
    RequestAccountDeletionRequest(caller=_CALLER, password="Primavera-2026!"),
    AccountDeletionRequestedReply(deletion_id="d41c9a", confirm_before=_WHEN),
    ConfirmAccountDeletionRequest(caller=_CALLER, deletion_id="d41c9a"),
    AccountDeletedReply(deletion_id="d41c9a", deleted_at=_WHEN),
    PublicKeysRequest(),
    PublicKeysReply(
        keys=(
            PublicKey(
                kty="OKP",
                crv="Ed25519",
                x="11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                kid="k2026-11-02-1",
                alg="EdDSA",
            ),
        )
    ),
    ListSessionsRequest(caller=_CALLER),
    SessionsReply(
        sessions=(
            SessionSummary(
                session_id="5f0c2a9e",
                device="Firefox su Windows",
                client_address="203.0.113.7",
                created_at=_WHEN,
                last_used_at=_WHEN,
                current=True,
            ),
        )
    ),
    EndMySessionRequest(caller=_CALLER, session_id="5f0c2a9e"),
    EndAllSessionsRequest(caller=_CALLER, keep_current=True),
    SessionsEndedReply(ended=2),
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
    ChangeEmailRequest(
        caller=_CALLER, email="mario@rossi.example", current_password="Primavera-2026!"
    ),
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
    *catalog_billing.RPC_EXAMPLES,
    *catalog_payments.RPC_EXAMPLES,
    *catalog_readings.RPC_EXAMPLES,
)

EXAMPLE_EVENT_ID = UUID("00000000-0000-4000-8000-000000000001")
