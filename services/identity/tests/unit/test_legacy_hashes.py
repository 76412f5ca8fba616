"""The older portal's password hashes: recognised, verified in constant time, replaced at once.

Every hash is made here, in the test, with the library or the algorithm the older portal used.
"""

import base64
import hashlib
import os
import time

import bcrypt
import pytest

from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.domain.errors import UnknownHashFormat
from sportello_identity.domain.legacy_hashes import (
    MAX_PBKDF2_ITERATIONS,
    LegacyScheme,
    check_legacy_hash,
    legacy_hash,
)

PASSWORD = "Vecchia-Password-2011"
CHEAP = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)


def bcrypt_hash(password: str, prefix: bytes = b"$2b$") -> str:
    made = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4))
    return (prefix + made[4:]).decode()  # PHP wrote `$2y$`, old libraries `$2a$`: same hash


def django_hash(password: str, iterations: int = 1000) -> str:
    salt = base64.b64encode(os.urandom(9)).decode()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def ab64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=").replace("+", ".")


def passlib_hash(password: str, rounds: int = 1000) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return f"$pbkdf2-sha256${rounds}${ab64(salt)}${ab64(digest)}"


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest()  # noqa: S324 (the older portal's)


def md5_hex(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()  # noqa: S324 (the older portal's)


EVERY_FORMAT = [
    (bcrypt_hash, LegacyScheme.BCRYPT),
    (lambda p: bcrypt_hash(p, b"$2a$"), LegacyScheme.BCRYPT),
    (lambda p: bcrypt_hash(p, b"$2y$"), LegacyScheme.BCRYPT),
    (django_hash, LegacyScheme.DJANGO_PBKDF2_SHA256),
    (passlib_hash, LegacyScheme.PASSLIB_PBKDF2_SHA256),
    (sha1_hex, LegacyScheme.SHA1),
    (md5_hex, LegacyScheme.MD5),
]


@pytest.mark.parametrize(("make", "scheme"), EVERY_FORMAT)
def test_each_legacy_format_is_recognised_and_verifies_only_its_password(
    make: object, scheme: LegacyScheme
) -> None:
    assert callable(make)
    hashed = legacy_hash(make(PASSWORD))
    assert hashed is not None
    assert hashed.scheme is scheme
    assert hashed.verify(PASSWORD)
    assert not hashed.verify(PASSWORD + "!")
    assert not hashed.verify(PASSWORD.lower())


def test_hex_digests_in_capitals_are_the_same_digests() -> None:
    hashed = check_legacy_hash(md5_hex(PASSWORD).upper())
    assert hashed.stored == md5_hex(PASSWORD)
    assert hashed.verify(PASSWORD)


def test_a_bcrypt_password_past_72_bytes_verifies_as_the_older_portal_truncated_it() -> None:
    long = "x" * 72
    hashed = check_legacy_hash(bcrypt.hashpw(long.encode(), bcrypt.gensalt(4)).decode())
    assert hashed.verify(long + "ignored by bcrypt")


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "hunter2",
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",  # ours, not the older portal's
        "$2b$04$tooshort",
        "$2x$04$" + "a" * 53,
        "$2b$99$" + "a" * 53,
        "pbkdf2_sha256$1000$salt$notbase64",
        "pbkdf2_sha1$1000$salt$" + "A" * 43 + "=",
        f"pbkdf2_sha256${MAX_PBKDF2_ITERATIONS + 1}$salt$" + "A" * 43 + "=",
        "pbkdf2_sha256$0$salt$" + "A" * 43 + "=",
        "$pbkdf2-sha256$1000$a$" + "A" * 43,  # a salt no base64 can be
        "$pbkdf2-sha512$1000$c2FsdA$" + "A" * 43,
        "g" * 32,
        "a" * 39,
        "a" * 64,  # SHA-256 hex: not a scheme of the older portal
    ],
)
def test_a_hash_in_no_known_format_is_refused(malformed: str) -> None:
    assert legacy_hash(malformed) is None
    with pytest.raises(UnknownHashFormat):
        check_legacy_hash(malformed)


@pytest.mark.parametrize(("make", "scheme"), EVERY_FORMAT)
async def test_the_hasher_verifies_legacy_hashes_and_wants_them_replaced(
    make: object, scheme: LegacyScheme
) -> None:
    assert callable(make)
    hasher = Argon2Hasher(CHEAP, HashingPool(slots=1), wait_seconds=5)
    hashed = make(PASSWORD)
    assert await hasher.verify(hashed, PASSWORD)
    assert not await hasher.verify(hashed, "Nuova-Password-2026")
    assert hasher.needs_rehash(hashed)
    replacement = await hasher.hash(PASSWORD)
    assert replacement.startswith("$argon2id$")
    assert not hasher.needs_rehash(replacement)


async def test_an_unsalted_legacy_digest_costs_at_least_an_unknown_username() -> None:
    # A costly argon2id, so the difference would show: an MD5 alone takes microseconds.
    costly = Argon2Parameters(time_cost=2, memory_kib=16384, parallelism=1)
    hasher = Argon2Hasher(costly, HashingPool(slots=1), wait_seconds=5)

    async def seconds(hashed: str | None) -> float:
        began = time.perf_counter()
        for _ in range(5):
            await hasher.verify(hashed, "a-wrong-guess")
        return time.perf_counter() - began

    unknown = await seconds(None)
    assert await seconds(md5_hex(PASSWORD)) > unknown * 0.7
