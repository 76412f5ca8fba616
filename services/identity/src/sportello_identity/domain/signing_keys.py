"""Signing keys and their life: published before they sign, kept until their tokens expire.

A key is made (and published at once), signs from `signs_from` until its successor signs, and
stays published while a token it signed may be alive. Keys are numbered by `generation`: the
next key is the newest's generation plus one, which the store keeps unique, so replicas racing
to rotate make one key, not one each.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SigningKey:
    kid: str
    generation: int
    created_at: datetime
    signs_from: datetime
    public_jwk: dict[str, str]  # the public half, as a JWK (kty, crv, x)
    private_key: bytes = field(repr=False)  # the raw Ed25519 private key: never logged


@dataclass(frozen=True)
class KeyTimes:
    """The times that rule the keys, from identity's settings."""

    rotate_every: timedelta  # a new key this long after the newest was made
    lead: timedelta  # published this long before it signs (beyond any gateway's key cache)
    token_lifetime: timedelta  # the access tokens' lifetime
    reload: timedelta  # how stale a replica's view of the keys may be


def signing_key(keys: Sequence[SigningKey], now: datetime) -> SigningKey | None:
    """The key that signs now: the newest whose time to sign has come."""
    ready = [k for k in keys if k.signs_from <= now]
    return max(ready, key=lambda k: k.generation) if ready else None


def retires_at(key: SigningKey, keys: Sequence[SigningKey], times: KeyTimes) -> datetime | None:
    """When no token `key` signed can be alive any more; None while it still signs.

    Its successor's start, plus what a replica with a stale view of the keys may still sign
    with it after that, plus the lifetime of the last token so signed.
    """
    later = [k for k in keys if k.generation > key.generation]
    if not later:
        return None
    successor = min(later, key=lambda k: k.generation)
    return successor.signs_from + times.reload + times.token_lifetime


def published(keys: Sequence[SigningKey], now: datetime, times: KeyTimes) -> list[SigningKey]:
    """The keys the JWKS lists: every one not retired yet (the next one too, before it signs)."""
    return [k for k in keys if (end := retires_at(k, keys, times)) is None or end > now]


def retired(keys: Sequence[SigningKey], now: datetime, times: KeyTimes) -> list[SigningKey]:
    return [k for k in keys if (end := retires_at(k, keys, times)) is not None and end <= now]


def rotation_due(keys: Sequence[SigningKey], now: datetime, times: KeyTimes) -> bool:
    if not keys:
        return True
    newest = max(keys, key=lambda k: k.generation)
    return newest.created_at + times.rotate_every <= now


def next_generation(keys: Sequence[SigningKey]) -> int:
    return max((k.generation for k in keys), default=0) + 1


def next_signs_from(keys: Sequence[SigningKey], now: datetime, times: KeyTimes) -> datetime:
    """When a key made now may sign: at once if it is the first (no gateway holds a key yet,
    nothing would verify otherwise), else after the lead that lets every gateway fetch it."""
    return now if not keys else now + times.lead


def key_id(generation: int, now: datetime, nonce: str) -> str:
    """Readable and unique: the day the key was made, its generation, and a random part.

    Day and generation alone repeat when identity starts over on an empty database (a restore,
    a new environment): a gateway holding the old key under the same id would then refuse
    every token signed with the new one, without asking again, until its key set expired.
    """
    return f"k{now:%Y%m%d}-{generation}-{nonce}"
