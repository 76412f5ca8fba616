"""Who may use an operators' route: an operator, with TOTP on, holding the route's permission."""

from sportello_contracts.rpc import Caller
from sportello_gateway.staff import REFUSALS, refusal_reason


def test_only_an_operator_holding_the_permission_passes() -> None:
    reader = Caller(user_id="op", role="operator", permissions=("accounts.read",))
    assert refusal_reason(reader, "accounts.read") is None
    assert refusal_reason(reader, "operators.manage") == "permission_missing"


def test_an_operator_with_no_permission_in_force_has_not_enrolled_totp() -> None:
    unenrolled = Caller(user_id="op", role="operator")
    assert refusal_reason(unenrolled, "accounts.read") == "second_factor_enrolment_required"


def test_customers_and_administrators_are_no_operators_whatever_they_claim() -> None:
    for role in ("customer", "administrator"):
        caller = Caller(user_id="u", role=role, permissions=("accounts.read",))  # type: ignore[arg-type]
        assert refusal_reason(caller, "accounts.read") == "operators_only"


def test_every_reason_has_an_italian_message() -> None:
    assert set(REFUSALS) == {
        "operators_only",
        "second_factor_enrolment_required",
        "permission_missing",
    }
    assert all(message.endswith(".") for message in REFUSALS.values())
