"""The base every contract model shares: immutable, tolerant of fields it does not know."""

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    # Frozen so a message cannot be altered after it was read; `extra="ignore"` so a producer can
    # add fields without breaking a consumer that was built before them.
    model_config = ConfigDict(frozen=True, extra="ignore")
