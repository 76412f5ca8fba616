"""Proofs sent to the user (reset and confirmation links, phone codes): random, single-use,
expiring, kept only as digests or hashes.

A link's token travels only in the message to the user; identity keeps its SHA-256, which is
enough for a random 256-bit token (nothing to guess from it, no slow hash needed) and useless to
anyone who reads the database. A phone's code has only 10^6 values: it is kept as an argon2id
hash (as passwords are) and only so many wrong ones are checked before it is void.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sportello_identity.domain.attempts import GuessLimit


class Purpose(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose's name, not a secret)
    EMAIL_CONFIRMATION = "email_confirmation"
    PHONE_CONFIRMATION = "phone_confirmation"


@dataclass(frozen=True)
class Challenge:
    """One link sent to an account's user; only the newest of a purpose counts."""

    key: str  # the token's digest, never the token
    purpose: Purpose
    account_id: str
    expires_at: datetime
    target: str | None = None  # what following it confirms: the new e-mail address or phone
    code_hash: str | None = field(default=None, repr=False)  # a phone code's hash

    def usable(self, now: datetime) -> bool:
        return self.expires_at > now


_PREFIX = {Purpose.PASSWORD_RESET: "pr_", Purpose.EMAIL_CONFIRMATION: "ec_"}


def new_link_token(purpose: Purpose) -> str:
    """A token for a link: 256 random bits, prefixed so a user's report shows what it was."""
    return _PREFIX[purpose] + secrets.token_urlsafe(32)


def link_token_key(token: str) -> str:
    """What is stored of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_phone_code() -> str:
    """Six random digits, as a text message carries them."""
    return f"{secrets.randbelow(10**6):06d}"


def masked_phone(phone: str) -> str:
    """Enough of a number for its owner to recognise it in the trail."""
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


@dataclass(frozen=True)
class RecoveryRules:
    """How long links and codes live, and how many messages one recipient may be sent."""

    link_ttl: timedelta = timedelta(minutes=30)
    # A confirmation link waits longer: the new address's mailbox may not be at hand.
    email_link_ttl: timedelta = timedelta(hours=24)
    phone_code_ttl: timedelta = timedelta(minutes=10)
    # Wrong codes checked before a code is void (a new one must be asked for): 5 guesses of
    # 10^6 values.
    phone_code_attempts: int = 5
    # Counted like guesses, per e-mail address or phone number (and per account for texts): a
    # few free, then growing delays, then a lock, so nobody can flood an inbox or a phone.
    per_recipient: GuessLimit = field(
        default_factory=lambda: GuessLimit(
            free_failures=3, lock_failures=10, lock_for=timedelta(hours=1)
        )
    )


def recovery_subject(email: str) -> str:
    return f"recovery:{email.strip().lower()}"


def phone_code_subjects(phone: str, account_id: str) -> tuple[str, str]:
    """Texts sent to a number, and texts asked for by an account (to any numbers)."""
    return f"phone_code:{phone}", f"phone_code:account:{account_id}"


def phone_code_entry_subject(challenge_key: str) -> str:
    """The codes entered for one phone challenge."""
    return f"phone_code:entered:{challenge_key}"


def recovery_address_subject(address_subject: str) -> str:
    """A client address's lost-password requests, apart from its wrong passwords."""
    return f"recovery:{address_subject}"
