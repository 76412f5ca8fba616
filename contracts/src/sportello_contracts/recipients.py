"""Where an account's mail goes: what identity announces so that notifications can write about
events that carry no address (a change of billing profiles, say)."""

from pydantic import AwareDatetime

from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import Email


class AccountContactSet(EventPayload):
    """The address an account's mail goes to from `at` on, and the name to greet it by.

    Announced whenever an account gets or changes its address: registration (customer or
    administrator), import from the older portal, a new address confirmed by its link. An older
    announcement never overwrites a newer one (`at`), whatever order they arrive in.
    """

    # The verb in the past tense, as every routing key has it (`test_routing_keys_...`).
    ROUTING_KEY = "identity.account_contact.changed"
    VERSION = 1

    account_id: str
    email: Email
    full_name: str
    at: AwareDatetime
