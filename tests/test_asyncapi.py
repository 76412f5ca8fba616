"""Every service publishes an AsyncAPI document of what it serves, consumes and emits."""

import importlib
import json
from typing import Any

import pytest

from sportello_contracts.catalog import OPERATIONS
from sportello_contracts.health import SERVICES

EXPECTED_EVENTS: dict[str, dict[str, list[str]]] = {
    "identity": {
        "consumes": [
            "backoffice.customer.onboarded",
            "identity.recovery.asked",
            "billing.account_data.erased",
            "notifications.account_data.erased",
        ],
        "emits": [
            "identity.account.registered",
            "identity.scope.changed",
            "identity.activity.recorded",
            "identity.sessions.ended",
            "identity.account.deleted",
            "identity.administrator_code.issued",
            "identity.password_reset.issued",
            "identity.personal_data.change_requested",
        ],
    },
    "billing": {
        "consumes": ["backoffice.customer.onboarded", "identity.account.deleted"],
        "emits": ["billing.account_data.erased"],
    },
    "notifications": {
        "consumes": [
            "identity.account.registered",
            "identity.account.deleted",
            "identity.administrator_code.issued",
            "identity.password_reset.issued",
            "identity.phone_code.issued",
        ],
        "emits": ["notifications.account_data.erased"],
    },
    "metering": {"consumes": [], "emits": []},
    "requests": {"consumes": [], "emits": []},
}


def _document(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"sportello_{service}.main").app
    document: dict[str, Any] = json.loads(app.schema.to_specification().to_json())
    return document


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_lists_the_services_operations_and_events(service: str) -> None:
    document = _document(service)
    assert document["info"]["title"] == f"Sportello {service}"
    channels = set(document["channels"])
    served = {op.name for op in OPERATIONS if op.service == service}
    assert served <= channels
    for key in EXPECTED_EVENTS[service]["consumes"]:
        assert f"{service}:{key}" in channels
    for key in EXPECTED_EVENTS[service]["emits"]:
        assert key in channels
