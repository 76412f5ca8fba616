"""Proofs sent to the user (reset and confirmation links): random, single-use, expiring, kept
as digests.

The token travels only in the message to the user; identity keeps its SHA-256, which is enough
for a random 256-bit token (nothing to guess from it, no slow hash needed) and useless to anyone
who reads the database.
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


@dataclass(frozen=True)
class Challenge:
    """One link sent to an account's user; only the newest of a purpose counts."""

    key: str  # the token's digest, never the token
    purpose: Purpose
    account_id: str
    expires_at: datetime
    target: str | None = None  # what following it confirms: the new e-mail address

    def usable(self, now: datetime) -> bool:
        return self.expires_at > now


_PREFIX = {Purpose.PASSWORD_RESET: "pr_", Purpose.EMAIL_CONFIRMATION: "ec_"}


def new_link_token(purpose: Purpose) -> str:
    """A token for a link: 256 random bits, prefixed so a user's report shows what it was."""
    return _PREFIX[purpose] + secrets.token_urlsafe(32)


def link_token_key(token: str) -> str:
    """What is stored of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RecoveryRules:
    """How long links live, and how many reset mails one address may get (the settings)."""

    link_ttl: timedelta = timedelta(minutes=30)
    # A confirmation link waits longer: the new address's mailbox may not be at hand.
    email_link_ttl: timedelta = timedelta(hours=24)
    # Counted like guesses, per e-mail address: a few free, then growing delays, then a lock,
    # so nobody can flood someone's inbox with reset mails.
    per_email: GuessLimit = field(
        default_factory=lambda: GuessLimit(
            free_failures=3, lock_failures=10, lock_for=timedelta(hours=1)
        )
    )


def recovery_subject(email: str) -> str:
    return f"recovery:{email.strip().lower()}"


def recovery_address_subject(address_subject: str) -> str:
    """A client address's lost-password requests, apart from its wrong passwords."""
    return f"recovery:{address_subject}"
