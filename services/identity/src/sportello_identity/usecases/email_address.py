"""The account's e-mail address: a new one (typed at registration or in the profile) is used
only once the link sent to it is followed; where mail went until then is told."""

from datetime import datetime

from sportello_contracts.contacts import (
    ChangeEmailRequest,
    ConfirmEmailRequest,
    EmailChanged,
    EmailChangeReply,
    EmailConfirmationIssued,
    EmailConfirmedReply,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.challenges import (
    Challenge,
    Purpose,
    link_token_key,
    new_link_token,
)
from sportello_identity.domain.errors import EmailTaken, LinkInvalid
from sportello_identity.usecases import activity, passwords
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.ports import Dependencies, Transaction


async def issue_email_confirmation(
    deps: Dependencies, tx: Transaction, account: Account, new_email: str
) -> Challenge:
    """A link to confirm `new_email`, voiding any earlier one; mail keeps going where it goes."""
    token = new_link_token(Purpose.EMAIL_CONFIRMATION)
    challenge = Challenge(
        key=link_token_key(token),
        purpose=Purpose.EMAIL_CONFIRMATION,
        account_id=account.account_id,
        expires_at=deps.clock.now() + deps.recovery.email_link_ttl,
        target=new_email,
    )
    await deps.store.issue_challenge(challenge, tx.session)
    await tx.emit(
        EmailConfirmationIssued(
            account_id=account.account_id,
            username=account.username,
            full_name=account.full_name,
            new_email=new_email,
            current_email=account.contact_email,
            confirmation_token=token,
            expires_at=challenge.expires_at,
        )
    )
    return challenge


async def change_email(
    deps: Dependencies, request: ChangeEmailRequest, tx: Transaction
) -> EmailChangeReply:
    """Send a confirmation link to the new address; nothing else changes until it is followed.

    An address another account has is refused at once (it would be at the confirmation).
    """
    account = await account_of_caller(deps, request.caller)
    # A stolen session must not move the address reset links go to: the password first.
    await passwords.prove_current_password(
        deps,
        account,
        request.current_password,
        request.client_address,
        refused="email.change_refused",
    )
    new_email = request.email.lower()
    holders = await deps.store.accounts_reachable_at(new_email, tx.session)
    if any(a.account_id != account.account_id for a in holders if a.email == new_email):
        raise EmailTaken()
    challenge = await issue_email_confirmation(deps, tx, account, new_email)
    await activity.record(
        deps,
        tx,
        account.account_id,
        "email.change_requested",
        client_address=request.client_address,
    )
    return EmailChangeReply(pending_email=new_email, expires_at=challenge.expires_at)


async def confirm_email(
    deps: Dependencies, request: ConfirmEmailRequest, tx: Transaction
) -> EmailConfirmedReply:
    """The link's address becomes the account's; the address mail went to before is told.

    A link that is unknown, expired, used or replaced by a newer one changes nothing; so does
    one whose address another account took meanwhile (`EmailTaken`).
    """
    key = link_token_key(request.confirmation_token)
    challenge = await deps.store.challenge(key)
    now = deps.clock.now()
    if challenge is None or challenge.purpose != Purpose.EMAIL_CONFIRMATION:
        raise LinkInvalid()
    if challenge.target is None or not challenge.usable(now):
        raise LinkInvalid()
    account = await deps.store.account(challenge.account_id)
    if account is None or not await deps.store.spend_challenge(key, now, tx.session):
        raise LinkInvalid()
    await deps.store.confirm_email(account.account_id, challenge.target, tx.session)
    entry = await activity.record(
        deps, tx, account.account_id, "email.confirmed", client_address=request.client_address
    )
    await tx.emit(
        EmailChanged(
            account_id=account.account_id,
            username=account.username,
            full_name=account.full_name,
            old_email=account.contact_email,
            new_email=challenge.target,
            at=entry.at,
        )
    )
    await announce_contact(tx, account, entry.at, email=challenge.target)
    return EmailConfirmedReply(email=challenge.target)


async def announce_contact(
    tx: Transaction, account: Account, at: datetime, *, email: str | None = None
) -> None:
    """Tell where the account's mail goes from `at` on (`email`, else where it goes now): what
    notifications writes to about events that carry no address."""
    await tx.emit(
        AccountContactSet(
            account_id=account.account_id,
            email=email or account.contact_email,
            full_name=account.full_name,
            at=at,
        )
    )
