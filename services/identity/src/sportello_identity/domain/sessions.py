"""Sessions: the refresh tokens identity keeps (as digests), in lines that rotate.

A session is a line (a family) of refresh tokens, from one log-in: each token traded once for
the next. The line ends at log-out, on revocation, when a spent token is replayed (it was
stolen, or the client is broken), and at the latest its absolute lifetime after the log-in.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


@dataclass(frozen=True)
class SessionRecord:
    """One refresh token: spent once traded; every token traded from one log-in is a family."""

    key: str  # the token's digest, never the token
    account_id: str
    family: str
    expires_at: datetime
    spent: bool = False
    spent_at: datetime | None = None


@dataclass(frozen=True)
class SessionLine:
    """A session as its user sees it: where and when it began, and its last use."""

    session_id: str  # the family of its refresh tokens; the access tokens' `sid`
    account_id: str
    created_at: datetime
    expires_at: datetime  # the absolute end: no refresh goes beyond it
    last_used_at: datetime
    client_address: str | None = None
    user_agent: str | None = None
    ended_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now


class Refresh(Enum):
    """What a refresh token presented is worth."""

    TRADE = "trade"  # live: traded for a new pair
    DOUBLE_SUBMIT = "double_submit"  # spent within the grace window: a new pair, nothing ends
    REPLAYED = "replayed"  # spent before that: the line ends
    REFUSED = "refused"  # unknown, expired, or its line ended: nothing to do


def judge_refresh(
    record: SessionRecord | None,
    line: SessionLine | None,
    now: datetime,
    grace: timedelta,
) -> Refresh:
    """`record` as it was before it was (atomically) marked spent by this presentation."""
    if record is None or line is None or not line.live(now) or record.expires_at <= now:
        return Refresh.REFUSED
    if not record.spent:
        return Refresh.TRADE
    if record.spent_at is not None and now - record.spent_at <= grace:
        return Refresh.DOUBLE_SUBMIT
    return Refresh.REPLAYED


def refresh_expiry(line: SessionLine, now: datetime, refresh_ttl: timedelta) -> datetime:
    """A new refresh token's expiry: its own lifetime, never beyond the line's absolute end."""
    return min(now + refresh_ttl, line.expires_at)
