"""Caller scoping and guarded-update filters: what every query and update is limited by."""

from datetime import UTC, datetime

from sportello_contracts.rpc import Caller
from sportello_kit.guards import older_than
from sportello_kit.scoping import owned_by


def test_a_customer_sees_only_their_codes_an_operator_everything() -> None:
    customer = Caller(user_id="u", role="customer", customer_codes=("C1", "C2"))
    assert owned_by(customer) == {"customer_code": {"$in": ["C1", "C2"]}}
    assert owned_by(customer, "holder") == {"holder": {"$in": ["C1", "C2"]}}
    assert owned_by(Caller(user_id="o", role="operator")) == {}


def test_a_caller_with_no_codes_matches_nothing() -> None:
    assert owned_by(Caller(user_id="u", role="administrator")) == {"customer_code": {"$in": []}}


def test_an_update_is_guarded_by_the_version_it_carries() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    assert older_than(when) == {
        "$or": [{"applied_version": {"$lt": when}}, {"applied_version": {"$exists": False}}]
    }
