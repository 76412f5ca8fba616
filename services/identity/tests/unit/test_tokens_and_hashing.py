"""Tokens identity issues and the hashes it keeps."""

from datetime import UTC, datetime, timedelta

import jwt

from sportello_identity.adapters.hashing import hash_secret, verify_secret
from sportello_identity.adapters.tokens import TokenIssuer, new_refresh_token, refresh_token_key

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_access_tokens_carry_subject_role_type_and_a_short_life() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    token = TokenIssuer(SECRET, "sportello-identity", timedelta(minutes=15)).access_token(
        "acc-1", "customer", now
    )
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer="sportello-identity")
    assert (claims["sub"], claims["role"], claims["typ"]) == ("acc-1", "customer", "access")
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_refresh_tokens_are_random_and_stored_only_as_a_digest() -> None:
    first, second = new_refresh_token(), new_refresh_token()
    assert first != second
    assert len(first) > 40
    assert refresh_token_key(first) == refresh_token_key(first)
    assert first not in refresh_token_key(first)


async def test_secrets_are_hashed_with_argon2id_and_verified() -> None:
    hashed = await hash_secret("48213907")
    assert hashed.startswith("$argon2id$")
    assert await verify_secret(hashed, "48213907")
    assert not await verify_secret(hashed, "48213908")
    assert not await verify_secret(None, "48213907")  # an unknown user never verifies
    assert not await verify_secret("not a hash", "48213907")
