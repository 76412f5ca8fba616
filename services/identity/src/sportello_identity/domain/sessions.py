"""Sessions: the refresh tokens identity keeps (as digests), in families that rotate."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionRecord:
    """One refresh token: spent once traded; every token traded from one log-in is a family."""

    key: str  # the token's digest, never the token
    account_id: str
    family: str
    expires_at: datetime
    spent: bool = False

    def usable(self, now: datetime) -> bool:
        return not self.spent and self.expires_at > now
