"""Passkeys (WebAuthn credentials) an account signs in with, and the challenges they answer."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import JsonValue

from sportello_identity.domain.errors import PasskeyChallengeInvalid, PasskeyCloned

# A browser's answer (`PublicKeyCredential.toJSON()`), as it came.
Credential = dict[str, JsonValue]


@dataclass(frozen=True)
class Options:
    """What the browser is handed (`navigator.credentials.create/get`), and its challenge."""

    challenge: bytes
    public_key: dict[str, JsonValue]


@dataclass(frozen=True)
class NewCredential:
    credential_id: str  # base64url
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]


@dataclass(frozen=True)
class Assertion:
    credential_id: str  # base64url
    user_handle: bytes | None


class Ceremony(StrEnum):
    """What a challenge was issued for: it answers nothing else."""

    REGISTRATION = "registration"
    AUTHENTICATION = "authentication"


@dataclass(frozen=True)
class Challenge:
    """A random challenge handed to a browser, good once and for a few minutes."""

    key: str  # a digest of the challenge's bytes (what the browser signs over)
    ceremony: Ceremony
    expires_at: datetime
    account_id: str | None = None  # the account adding a passkey; None for a sign-in


@dataclass(frozen=True)
class Passkey:
    passkey_id: str
    account_id: str
    credential_id: str  # base64url, as browsers send it
    public_key: bytes  # COSE
    sign_count: int
    name: str
    created_at: datetime
    transports: tuple[str, ...] = ()
    last_used_at: datetime | None = None


def check_challenge(
    challenge: Challenge | None, ceremony: Ceremony, now: datetime, account_id: str | None = None
) -> Challenge:
    """The challenge if it was issued for this ceremony (and account), and has not expired.

    It was taken from the store as it was read: used or not, it is gone.
    """
    if (
        challenge is None
        or challenge.ceremony is not ceremony
        or challenge.account_id != account_id
        or challenge.expires_at <= now
    ):
        raise PasskeyChallengeInvalid()
    return challenge


def check_sign_count(stored: int, asserted: int) -> None:
    """An authenticator that counts its signatures must show a higher count each time.

    A count that does not grow means two authenticators hold the same key: a clone (WebAuthn
    Level 3, 6.1.1). Authenticators that do not count (most synced passkeys) send 0 always.
    """
    if (stored or asserted) and asserted <= stored:
        raise PasskeyCloned()
