"""Passkeys: added from the profile, listed, removed; and signing in with one instead of the
password. Every ceremony answers a challenge issued here, good once and for minutes."""

from datetime import timedelta
from ipaddress import IPv4Address, IPv6Address
from uuid import uuid4

from sportello_contracts.identity import (
    FinishPasskeyRegistrationRequest,
    FinishPasskeySignInRequest,
    PasskeyOptionsReply,
    PasskeyReply,
    PasskeysReply,
    SessionReply,
)
from sportello_contracts.rpc import Caller
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import address_subject
from sportello_identity.domain.errors import (
    PasskeyCloned,
    PasskeyNotFound,
    PasskeyRefused,
    TooManyPasskeySignIns,
)
from sportello_identity.domain.passkeys import (
    Ceremony,
    Challenge,
    Credential,
    Options,
    Passkey,
    check_challenge,
    check_sign_count,
)
from sportello_identity.usecases import activity, sessions
from sportello_identity.usecases.accounts import account_of_caller
from sportello_identity.usecases.ports import (
    Dependencies,
    PasskeyDependencies,
    Transaction,
)

# A minute's count of sign-ins begun is kept a little past its minute.
_MINUTE_KEPT = timedelta(minutes=2)


async def begin_registration(
    deps: Dependencies, keys: PasskeyDependencies, caller: Caller
) -> PasskeyOptionsReply:
    account = await account_of_caller(deps, caller)
    registered = [p.credential_id for p in await keys.passkeys.passkeys_of(account.account_id)]
    options = keys.relying_party.registration_options(account, registered)
    await _open_challenge(deps, keys, options, Ceremony.REGISTRATION, account.account_id)
    return PasskeyOptionsReply(public_key=options.public_key)


async def finish_registration(
    deps: Dependencies,
    keys: PasskeyDependencies,
    request: FinishPasskeyRegistrationRequest,
    tx: Transaction,
) -> PasskeyReply:
    """The new passkey of the caller's account, once its attestation verified."""
    assert request.caller is not None
    account_id = request.caller.user_id
    challenge = await _take_challenge(
        deps, keys, request.credential, Ceremony.REGISTRATION, account_id
    )
    new = keys.relying_party.verify_registration(request.credential, challenge)
    passkey = Passkey(
        passkey_id=uuid4().hex,
        account_id=account_id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        name=request.name,
        created_at=deps.clock.now(),
        transports=new.transports,
    )
    await keys.passkeys.insert_passkey(passkey, tx.session)
    await activity.record(
        deps,
        tx,
        account_id,
        "passkey.added",
        client_address=request.client_address,
        details={"passkey_id": passkey.passkey_id, "name": passkey.name},
    )
    return _public(passkey)


async def passkeys_of(keys: PasskeyDependencies, caller: Caller) -> PasskeysReply:
    found = await keys.passkeys.passkeys_of(caller.user_id)
    return PasskeysReply(passkeys=tuple(_public(p) for p in found))


async def delete_passkey(
    deps: Dependencies,
    keys: PasskeyDependencies,
    caller: Caller,
    passkey_id: str,
    tx: Transaction,
) -> None:
    """Remove one of the caller's passkeys; another account's is as unknown as none."""
    if not await keys.passkeys.delete_passkey(caller.user_id, passkey_id, tx.session):
        raise PasskeyNotFound()
    await activity.record(
        deps, tx, caller.user_id, "passkey.removed", details={"passkey_id": passkey_id}
    )


async def begin_sign_in(
    deps: Dependencies,
    keys: PasskeyDependencies,
    client_address: IPv4Address | IPv6Address | None = None,
) -> PasskeyOptionsReply:
    """Options with a fresh challenge; anyone may ask, so each address only so often."""
    if client_address is not None:
        now = deps.clock.now()
        subject = f"passkey_sign_ins:{address_subject(client_address)}:{now:%Y-%m-%dT%H:%M}"
        begun = await deps.store.count_failure(subject, _MINUTE_KEPT, now)
        if begun > keys.sign_ins_per_minute:
            raise TooManyPasskeySignIns(retry_after=60 - now.second)
    options = keys.relying_party.authentication_options()
    await _open_challenge(deps, keys, options, Ceremony.AUTHENTICATION, None)
    return PasskeyOptionsReply(public_key=options.public_key)


async def finish_sign_in(
    deps: Dependencies, keys: PasskeyDependencies, request: FinishPasskeySignInRequest
) -> SessionReply:
    """A session for the account whose passkey signed the challenge, with a count that grew."""
    account = await prove_with_passkey(deps, keys, request.credential, request.client_address)
    return await deps.transactions.transaction(
        lambda tx: sessions.open_session(
            deps,
            tx,
            account,
            client_address=request.client_address,
            user_agent=request.user_agent,
            method="passkey",
        )
    )


async def prove_with_passkey(
    deps: Dependencies,
    keys: PasskeyDependencies,
    credential: Credential,
    client_address: IPv4Address | IPv6Address | None,
) -> Account:
    """The account whose passkey signed an open sign-in challenge; its new count kept.

    What signing in and any step asking for proof again (deleting the account) rely on.
    """
    challenge = await _take_challenge(deps, keys, credential, Ceremony.AUTHENTICATION)
    rp = keys.relying_party
    assertion = rp.assertion(credential)
    passkey = await keys.passkeys.passkey_by_credential(assertion.credential_id)
    if passkey is None or (
        # The browser says whose passkey it used: it must be the one holding the credential.
        assertion.user_handle is not None and assertion.user_handle != passkey.account_id.encode()
    ):
        raise PasskeyRefused()
    sign_count = rp.verify_authentication(credential, challenge, passkey.public_key)
    account = await deps.store.account(passkey.account_id)
    if account is None:
        raise PasskeyRefused()
    try:
        check_sign_count(passkey.sign_count, sign_count)
    except PasskeyCloned:
        await deps.transactions.transaction(
            lambda tx: activity.record(
                deps,
                tx,
                passkey.account_id,
                "passkey.clone_detected",
                client_address=client_address,
                details={"passkey_id": passkey.passkey_id},
            )
        )
        raise
    if not await keys.passkeys.record_use(passkey, sign_count, deps.clock.now(), None):
        # Another sign-in with the same count got there first: one of the two is a copy.
        raise PasskeyCloned()
    return account


async def _open_challenge(
    deps: Dependencies,
    keys: PasskeyDependencies,
    options: Options,
    ceremony: Ceremony,
    account_id: str | None,
) -> None:
    await keys.passkeys.insert_challenge(
        Challenge(
            key=keys.relying_party.challenge_key(options.challenge),
            ceremony=ceremony,
            expires_at=deps.clock.now() + keys.challenge_ttl,
            account_id=account_id,
        )
    )


async def _take_challenge(
    deps: Dependencies,
    keys: PasskeyDependencies,
    credential: Credential,
    ceremony: Ceremony,
    account_id: str | None = None,
) -> bytes:
    """The challenge the answer signed over, spent now, if it is open for this ceremony."""
    challenge = keys.relying_party.challenge_of(credential)
    taken = await keys.passkeys.take_challenge(keys.relying_party.challenge_key(challenge))
    check_challenge(taken, ceremony, deps.clock.now(), account_id)
    return challenge


def _public(passkey: Passkey) -> PasskeyReply:
    return PasskeyReply(
        passkey_id=passkey.passkey_id,
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
        transports=passkey.transports,
    )
