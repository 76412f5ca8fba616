"""Limits on guessing PINs and passwords."""

from datetime import UTC, datetime, timedelta

from sportello_identity.domain.attempts import AttemptPolicy

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = AttemptPolicy(max_failures=3, lockout=timedelta(minutes=10))


def test_failures_below_the_limit_only_count() -> None:
    assert POLICY.after_failure(0, NOW) == (1, None)
    assert POLICY.after_failure(1, NOW) == (2, None)


def test_the_failure_that_reaches_the_limit_locks_and_restarts_the_count() -> None:
    assert POLICY.after_failure(2, NOW) == (0, NOW + timedelta(minutes=10))


def test_a_lock_holds_until_it_expires() -> None:
    until = NOW + timedelta(minutes=10)
    assert POLICY.locked(until, NOW)
    assert not POLICY.locked(until, until)
    assert not POLICY.locked(None, NOW)
