"""Limits on guessing PINs and passwords: free failures, growing delays, a lock, per subject."""

from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

import pytest

from sportello_identity.domain.attempts import (
    Attempts,
    GuessLimit,
    Wait,
    address_subject,
    alert_due,
    failure_minute,
    fiscal_code_subject,
    log_in_refusal,
    longest,
    username_subject,
)
from sportello_identity.domain.errors import AccountLocked, TooManyLogInAttempts

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMIT = GuessLimit(free_failures=3, lock_failures=8, lock_for=timedelta(minutes=10))


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def test_the_free_failures_cost_no_wait() -> None:
    for failures in range(3):
        assert LIMIT.wait(failures, NOW, NOW) is None


def test_after_the_free_failures_each_delay_doubles_up_to_the_longest() -> None:
    delays = [LIMIT.delay_after(f) for f in range(3, 8)]
    assert delays == [seconds(1), seconds(2), seconds(4), seconds(8), seconds(16)]
    capped = GuessLimit(3, 100, timedelta(minutes=10), max_delay=seconds(60))
    assert capped.delay_after(20) == seconds(60)
    assert capped.delay_after(10_000) == seconds(60)  # no overflow however many


def test_a_delay_runs_from_the_last_failure() -> None:
    last = NOW - seconds(1.5)
    assert LIMIT.wait(4, last, NOW) == Wait(last + seconds(2), locked=False)
    assert LIMIT.wait(4, last, last + seconds(2)) is None


def test_at_the_lock_failures_the_subject_is_locked_from_the_last_failure() -> None:
    wait = LIMIT.wait(8, NOW, NOW + seconds(30))
    assert wait == Wait(NOW + timedelta(minutes=10), locked=True)
    assert wait.retry_after(NOW + seconds(30)) == 570
    assert LIMIT.wait(8, NOW, NOW + timedelta(minutes=10)) is None


def test_guesses_still_being_checked_make_the_next_ones_wait_from_now() -> None:
    # A burst in parallel: none has failed yet, but the free ones are taken.
    assert LIMIT.wait(2, None, NOW) is None
    assert LIMIT.wait(3, None, NOW) == Wait(NOW + seconds(1), locked=False)


def test_retry_after_is_whole_seconds_rounded_up_and_never_zero() -> None:
    assert Wait(NOW + seconds(0.2), locked=False).retry_after(NOW) == 1
    assert Wait(NOW + seconds(2.01), locked=False).retry_after(NOW) == 3
    assert Wait(NOW, locked=False).retry_after(NOW) == 1


def test_a_lock_needs_more_failures_than_the_free_ones() -> None:
    with pytest.raises(ValueError, match="free failures"):
        GuessLimit(free_failures=5, lock_failures=5, lock_for=timedelta(minutes=1))


def test_the_count_before_a_guess_leaves_the_guess_out() -> None:
    assert Attempts(1).before_this_one() == 0
    assert Attempts(5, NOW).before_this_one() == 4


def test_of_several_waits_the_one_ending_last_is_told() -> None:
    short, lock = Wait(NOW + seconds(2), False), Wait(NOW + timedelta(minutes=5), True)
    assert longest([short, lock]) == lock
    assert longest([short]) == short


def test_only_a_locked_username_is_told_its_account_is_locked() -> None:
    user, address = "username:anna", "address:203.0.113.7"
    delay, lock = Wait(NOW + seconds(2), False), Wait(NOW + timedelta(minutes=5), True)

    locked = log_in_refusal({user: lock, address: delay}, user, NOW)
    assert isinstance(locked, AccountLocked)
    assert locked.retry_after == 300
    # The address's lock holds the guess up, but the account is not locked.
    held = log_in_refusal({user: delay, address: lock}, user, NOW)
    assert isinstance(held, TooManyLogInAttempts)
    assert held.retry_after == 300


def test_subjects_normalise_what_they_count() -> None:
    assert username_subject("  Anna.Ferrari ") == "username:anna.ferrari"
    assert fiscal_code_subject("rssmra80a01h501u") == "fiscal_code:RSSMRA80A01H501U"


@pytest.mark.parametrize(
    ("address", "subject"),
    [
        ("203.0.113.7", "address:203.0.113.7"),
        # An IPv6 client holds a whole /64: counting single addresses would count nothing.
        ("2001:db8:1:2:aaaa::1", "address:2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::2", "address:2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "address:203.0.113.7"),
    ],
)
def test_an_address_is_counted_by_what_one_client_holds(address: str, subject: str) -> None:
    assert address_subject(ip_address(address)) == subject


def test_the_alert_is_due_once_a_minute_when_the_ceiling_is_passed() -> None:
    assert [n for n in range(1, 30) if alert_due(n, ceiling=10)] == [11]
    assert failure_minute(NOW + seconds(59)) == failure_minute(NOW) == "failures:2026-11-24T12:00"
    assert failure_minute(NOW + seconds(60)) != failure_minute(NOW)
