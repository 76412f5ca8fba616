"""Argon2id hashing of passwords and PINs, off the event loop (a hash takes tens of ms)."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's recommended (RFC 9106) parameters

# Verified against when the username is unknown, so a wrong username costs as long as a wrong
# password and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("sportello-dummy-password")


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(hashed: str | None, secret: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(hashed or _DUMMY_HASH, secret) and hashed is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


class Argon2Hasher:
    """The use cases' `SecretHasher`: argon2id, off the event loop."""

    async def hash(self, secret: str) -> str:
        return await hash_secret(secret)

    async def verify(self, hashed: str | None, secret: str) -> bool:
        return await verify_secret(hashed, secret)

    def needs_rehash(self, hashed: str) -> bool:
        return needs_rehash(hashed)
