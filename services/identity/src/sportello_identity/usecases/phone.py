"""The account's mobile number: a new one is the account's once the code texted to it is
entered; codes are hashed, expire, and only so many wrong ones are checked."""

from uuid import uuid4

from sportello_contracts.contacts import (
    ChangePhoneRequest,
    ConfirmPhoneRequest,
    PhoneChanged,
    PhoneChangeReply,
    PhoneCodeIssued,
    PhoneConfirmedReply,
)
from sportello_identity.domain.attempts import longest
from sportello_identity.domain.challenges import (
    Challenge,
    Purpose,
    masked_phone,
    new_phone_code,
    phone_code_entry_subject,
    phone_code_subjects,
)
from sportello_identity.domain.errors import (
    CodeAttemptsExhausted,
    CodeInvalid,
    TooManyCodesSent,
)
from sportello_identity.usecases import activity
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.guesses import Guess
from sportello_identity.usecases.ports import Dependencies, Transaction


async def change_phone(
    deps: Dependencies, request: ChangePhoneRequest, tx: Transaction
) -> PhoneChangeReply:
    """Text a code to the new number (voiding any earlier code); nothing else changes yet.

    Texts are counted per number and per account, so nobody can flood a phone, or run up the
    bill of texts, through one account or many.
    """
    account = await account_of_caller(deps, request.caller)
    by_number, by_account = phone_code_subjects(request.phone, account.account_id)
    limit = deps.recovery.per_recipient
    guess = Guess(deps, [(by_number, limit), (by_account, limit)])
    if waits := await guess.reserve():
        raise TooManyCodesSent(longest(waits.values()).retry_after(guess.now))
    await guess.spent()
    code = new_phone_code()
    challenge = Challenge(
        key=uuid4().hex,
        purpose=Purpose.PHONE_CONFIRMATION,
        account_id=account.account_id,
        expires_at=deps.clock.now() + deps.recovery.phone_code_ttl,
        target=request.phone,
        code_hash=await deps.hasher.hash(code),
    )
    await deps.store.issue_challenge(challenge, tx.session)
    await tx.emit(
        PhoneCodeIssued(
            account_id=account.account_id,
            phone=request.phone,
            code=code,
            expires_at=challenge.expires_at,
        )
    )
    await activity.record(
        deps,
        tx,
        account.account_id,
        "phone.change_requested",
        client_address=request.client_address,
        details={"phone": masked_phone(request.phone)},
    )
    return PhoneChangeReply(pending_phone=request.phone, expires_at=challenge.expires_at)


async def confirm_phone(
    deps: Dependencies, request: ConfirmPhoneRequest, tx: Transaction
) -> PhoneConfirmedReply:
    """The code's number becomes the account's; its e-mail address is told.

    Each code entered is counted before it is checked (atomically, so codes sent in parallel
    share one allowance); past the allowance the code is void. Only the caller's own code is
    ever looked at: another account's code is just a wrong one here.
    """
    account = await account_of_caller(deps, request.caller)
    challenge = await deps.store.pending_challenge(account.account_id, Purpose.PHONE_CONFIRMATION)
    now = deps.clock.now()
    if challenge is None or challenge.target is None or not challenge.usable(now):
        raise CodeInvalid()
    # Counted apart from the challenge itself: the command's transaction writes that document,
    # and a write to it from outside meanwhile would make the transaction conflict and retry.
    counted = await deps.store.reserve_attempt(
        phone_code_entry_subject(challenge.key), deps.recovery.phone_code_ttl, now
    )
    attempts = counted.failures
    allowed = deps.recovery.phone_code_attempts
    if attempts > allowed:
        raise CodeAttemptsExhausted()
    if not await deps.hasher.verify(challenge.code_hash, request.code):
        if attempts == allowed:
            # Outside the transaction, which the refusal rolls back: the code stays void.
            await deps.store.spend_challenge(challenge.key, now, None)
            raise CodeAttemptsExhausted()
        raise CodeInvalid()
    if not await deps.store.spend_challenge(challenge.key, now, tx.session):
        raise CodeInvalid()
    await deps.store.set_phone(account.account_id, challenge.target, tx.session)
    entry = await activity.record(
        deps,
        tx,
        account.account_id,
        "phone.confirmed",
        client_address=request.client_address,
        details={"phone": masked_phone(challenge.target)},
    )
    await tx.emit(
        PhoneChanged(
            account_id=account.account_id,
            username=account.username,
            full_name=account.full_name,
            email=account.contact_email,
            new_phone=challenge.target,
            at=entry.at,
        )
    )
    return PhoneConfirmedReply(phone=challenge.target)
