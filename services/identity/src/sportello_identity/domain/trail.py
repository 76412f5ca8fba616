"""Reading the account's trail in pages, newest first: where a page ends (the cursor)."""

import base64
import binascii
from datetime import datetime

from sportello_identity.domain.activity import Activity
from sportello_identity.domain.errors import InvalidCursor

Position = tuple[datetime, str]  # an entry's time, and its id for entries of the same instant


def cursor_after(entry: Activity) -> str:
    """The cursor of the page that goes on after `entry` (older ones)."""
    raw = f"{entry.at.isoformat()}|{entry.activity_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def position_of(cursor: str) -> Position:
    """Where a cursor points; `InvalidCursor` for anything this service did not give."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, activity_id = raw.split("|", 1)
        when = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    if when.tzinfo is None or not activity_id:
        raise InvalidCursor()
    return when, activity_id
