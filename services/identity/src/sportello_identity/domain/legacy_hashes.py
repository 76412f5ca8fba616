"""Password hashes of the older portal: recognised by their format, verified, never made anew.

Accounts migrated from the older portal keep the hash it stored until their first log-in here
replaces it with argon2id. Four schemes are known: bcrypt (`$2a$`, `$2b$`, `$2y$`), salted
PBKDF2-SHA256 as Django writes it (`pbkdf2_sha256$<iterations>$<salt>$<base64>`) and as passlib
does (`$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>`), and the unsalted hex digests of
SHA-1 (40 digits) and MD5 (32). Every comparison is made in constant time.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

import bcrypt

from sportello_identity.domain.errors import UnknownHashFormat

# bcrypt reads at most 72 bytes of a password; the older portal's library dropped the rest
# silently, so the same bytes are dropped here (bcrypt 5 refuses a longer password outright).
BCRYPT_MAX_BYTES = 72
# PBKDF2 iterations an imported hash may ask for: Django 5 writes about a million; far more
# would let one log-in hold a hashing slot for seconds.
MAX_PBKDF2_ITERATIONS = 5_000_000

_BCRYPT = re.compile(r"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")
_DJANGO = re.compile(r"^pbkdf2_sha256\$([0-9]{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/]{43}=)$")
_PASSLIB = re.compile(
    r"^\$pbkdf2-sha256\$([0-9]{1,8})\$([./A-Za-z0-9]{0,172})\$([./A-Za-z0-9]{43})$"
)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


class LegacyScheme(StrEnum):
    BCRYPT = "bcrypt"
    DJANGO_PBKDF2_SHA256 = "django_pbkdf2_sha256"
    PASSLIB_PBKDF2_SHA256 = "passlib_pbkdf2_sha256"
    SHA1 = "sha1"
    MD5 = "md5"


@dataclass(frozen=True)
class LegacyHash:
    scheme: LegacyScheme
    stored: str  # as kept in the account (hex digests in lower case)

    def verify(self, password: str) -> bool:
        """Whether `password` is the one hashed, compared in constant time."""
        secret = password.encode()
        match self.scheme:
            case LegacyScheme.BCRYPT:
                return bcrypt.checkpw(secret[:BCRYPT_MAX_BYTES], self.stored.encode())
            case LegacyScheme.DJANGO_PBKDF2_SHA256:
                iterations, salt, expected = _parts(_DJANGO, self.stored)
                computed = base64.b64encode(_pbkdf2(secret, salt.encode(), iterations)).decode()
                return hmac.compare_digest(computed, expected)
            case LegacyScheme.PASSLIB_PBKDF2_SHA256:
                iterations, salt, expected = _parts(_PASSLIB, self.stored)
                computed = _ab64(_pbkdf2(secret, _from_ab64(salt), iterations))
                return hmac.compare_digest(computed, expected)
            case LegacyScheme.SHA1:
                return hmac.compare_digest(hashlib.sha1(secret).hexdigest(), self.stored)  # noqa: S324
            case LegacyScheme.MD5:
                return hmac.compare_digest(hashlib.md5(secret).hexdigest(), self.stored)  # noqa: S324


def legacy_hash(hashed: str) -> LegacyHash | None:
    """The legacy hash `hashed` is, or None if it is in none of the known formats."""
    if _BCRYPT.fullmatch(hashed):
        return LegacyHash(LegacyScheme.BCRYPT, hashed)
    if _pbkdf2_within_limits(_DJANGO, hashed):
        return LegacyHash(LegacyScheme.DJANGO_PBKDF2_SHA256, hashed)
    if _pbkdf2_within_limits(_PASSLIB, hashed) and _valid_ab64(_PASSLIB, hashed):
        return LegacyHash(LegacyScheme.PASSLIB_PBKDF2_SHA256, hashed)
    if _SHA1.fullmatch(hashed):
        return LegacyHash(LegacyScheme.SHA1, hashed.lower())
    if _MD5.fullmatch(hashed):
        return LegacyHash(LegacyScheme.MD5, hashed.lower())
    return None


def check_legacy_hash(hashed: str) -> LegacyHash:
    """The legacy hash, or `UnknownHashFormat` (an import of a hash nobody could verify)."""
    known = legacy_hash(hashed)
    if known is None:
        raise UnknownHashFormat()
    return known


def _pbkdf2_within_limits(pattern: re.Pattern[str], hashed: str) -> bool:
    found = pattern.fullmatch(hashed)
    return found is not None and 1 <= int(found.group(1)) <= MAX_PBKDF2_ITERATIONS


def _valid_ab64(pattern: re.Pattern[str], hashed: str) -> bool:
    _, salt, checksum = _parts(pattern, hashed)
    try:
        _from_ab64(salt)
        return len(_from_ab64(checksum)) == hashlib.sha256().digest_size
    except (binascii.Error, ValueError):
        return False


def _parts(pattern: re.Pattern[str], hashed: str) -> tuple[int, str, str]:
    found = pattern.fullmatch(hashed)
    assert found is not None  # only called on a hash recognised by the same pattern
    return int(found.group(1)), found.group(2), found.group(3)


def _pbkdf2(secret: bytes, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret, salt, iterations)


def _ab64(raw: bytes) -> str:
    """passlib's "adapted base64": `.` for `+`, no padding."""
    return base64.b64encode(raw).decode().rstrip("=").replace("+", ".")


def _from_ab64(text: str) -> bytes:
    padded = text.replace(".", "+") + "=" * (-len(text) % 4)
    return base64.b64decode(padded, validate=True)
