"""TOTP codes (RFC 6238, 30-second steps, 6 digits) and recovery codes: the rules, no I/O.

A code is accepted for its own step or the one either side of it (a clock a little off), and
only for a step later than the last one accepted: a code seen once cannot be replayed.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import pyotp

DIGITS = 6
STEP_SECONDS = 30
# Steps either side of the current one a code may belong to.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# Recovery codes: 12 characters of Crockford-like base32 without look-alikes, in three groups.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP = 4


@dataclass(frozen=True)
class TotpState:
    """An account's TOTP: the confirmed secret, or one pending confirmation, and what is spent."""

    account_id: str
    secret: str | None = field(default=None, repr=False)
    pending_secret: str | None = field(default=None, repr=False)
    last_step: int = -1
    recovery_digests: tuple[str, ...] = field(default=(), repr=False)


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer
    )


def step_of(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The step `code` belongs to, near `now` and after `after_step`; None if it matches none."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_of(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def looks_like_totp(code: str) -> bool:
    code = code.strip().replace(" ", "")
    return len(code) == DIGITS and code.isdigit()


def new_recovery_codes() -> tuple[str, ...]:
    def one() -> str:
        groups = (
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP))
            for _ in range(_RECOVERY_GROUPS)
        )
        return "-".join(groups)

    return tuple(one() for _ in range(RECOVERY_CODES))


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: its SHA-256 (60 random bits: no slow hash needed,
    and wrong guesses are limited), of its normalised form (case, spaces and dashes aside)."""
    normalised = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@dataclass(frozen=True)
class LoginChallenge:
    """A log-in whose password was right, waiting for its second factor (kept as a digest)."""

    key: str  # the challenge's SHA-256, never the challenge
    account_id: str
    expires_at: datetime


def new_challenge() -> str:
    return "ch_" + secrets.token_urlsafe(32)


def challenge_key(challenge: str) -> str:
    """What is stored of a challenge: its SHA-256 (it is random: no slow hash needed)."""
    return hashlib.sha256(challenge.encode()).hexdigest()


def second_factor_subject(account_id: str) -> str:
    """Wrong second-factor codes are counted per account, apart from its wrong passwords:
    a right password forgets those, and must not give a code-guesser a fresh allowance."""
    return f"second_factor:{account_id}"
