"""What the user sets directly (how and when to be contacted), and what only the back-office may
change (registered personal data): a request it receives, nothing changed meanwhile."""

from uuid import uuid4

from sportello_contracts.personal_data import (
    ContactPreferencesReply,
    PersonalDataChangeReply,
    PersonalDataChangeRequested,
    RequestPersonalDataChange,
    UpdateContactPreferencesRequest,
)
from sportello_identity.domain.accounts import check_channel_reachable
from sportello_identity.domain.fiscal import check_fiscal_code
from sportello_identity.usecases import activity
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.ports import Dependencies, Transaction


async def update_contact_preferences(
    deps: Dependencies, request: UpdateContactPreferencesRequest, tx: Transaction
) -> ContactPreferencesReply:
    account = await account_of_caller(deps, request.caller)
    check_channel_reachable(account, request.preferred_channel)
    times = tuple(dict.fromkeys(request.preferred_times))  # each once, in the order given
    await deps.store.set_contact_preferences(
        account.account_id, request.preferred_channel, times, tx.session
    )
    await activity.record(
        deps,
        tx,
        account.account_id,
        "contact_preferences.changed",
        client_address=request.client_address,
        details={"channel": request.preferred_channel, "times": ",".join(times)},
    )
    return ContactPreferencesReply(
        preferred_channel=request.preferred_channel, preferred_times=times
    )


async def request_personal_data_change(
    deps: Dependencies, request: RequestPersonalDataChange, tx: Transaction
) -> PersonalDataChangeReply:
    """Hand the asked change to the back-office (an event the requests service shows); the
    registered data stays as it is until the back-office changes it.

    A new fiscal code must at least be a valid one: the back-office should not have to refuse
    a typo.
    """
    account = await account_of_caller(deps, request.caller)
    if request.fiscal_code is not None:
        check_fiscal_code(request.fiscal_code)
    requested_at = deps.clock.now()
    change_id = uuid4().hex
    await tx.emit(
        PersonalDataChangeRequested(
            change_id=change_id,
            account_id=account.account_id,
            customer_codes=account.customer_codes,
            fiscal_code=account.fiscal_code,
            full_name=account.full_name,
            requested_full_name=request.full_name,
            requested_residence=request.residence,
            requested_fiscal_code=request.fiscal_code,
            note=request.note,
            requested_at=requested_at,
        )
    )
    asked = [
        name
        for name, value in (
            ("full_name", request.full_name),
            ("residence", request.residence),
            ("fiscal_code", request.fiscal_code),
        )
        if value is not None
    ]
    await activity.record(
        deps,
        tx,
        account.account_id,
        "personal_data.change_requested",
        client_address=request.client_address,
        # The fields asked for, not their values: the trail is no copy of personal data.
        details={"change_id": change_id, "fields": ",".join(asked)},
    )
    return PersonalDataChangeReply(change_id=change_id, requested_at=requested_at)
