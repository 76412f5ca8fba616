"""Turning a caller into query filters, so a service never forgets to scope a query."""

from typing import Any

from sportello_contracts.rpc import Caller


def owned_by(caller: Caller, field: str = "customer_code") -> dict[str, Any]:
    """A MongoDB filter on `field` for the customer codes `caller` may act on.

    Operators see every customer; anyone else only their own codes (none: nothing matches).
    Combine it with the query's own conditions: `{**owned_by(caller), "_id": bill_number}`.
    """
    if caller.role == "operator":
        return {}
    return {field: {"$in": list(caller.customer_codes)}}
