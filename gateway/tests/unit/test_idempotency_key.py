"""The `Idempotency-Key` a command may carry: checked before anything is sent."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.identity import REGISTER_ACCOUNT, RegisterAccountReply

REGISTRATION = {
    "fiscal_code": "RSSMRA80A01H501U",
    "registration_pin": "12345678",
    "username": "anna.b",
    "password": "Sole-e-Luna-77",
}


@pytest.fixture(autouse=True)
def _identity_answers(bus: Any) -> None:
    bus.replies = {
        REGISTER_ACCOUNT.name: RegisterAccountReply(
            account_id="acc-1", username="anna.b", email="anna@example.it"
        )
    }


@pytest.mark.parametrize("key", ["", "with space", "a/b", "k" * 201])
def test_a_malformed_key_is_an_invalid_request(client: TestClient, bus: Any, key: str) -> None:
    answer = client.post("/v1/auth/register", json=REGISTRATION, headers={"Idempotency-Key": key})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_request"
    assert [e["field"] for e in answer.json()["errors"]] == ["header.Idempotency-Key"]
    assert bus.sent == []


@pytest.mark.parametrize("key", ["k" * 200, "order:42_a-b.c", "0"])
def test_a_well_formed_key_is_sent_as_given(client: TestClient, bus: Any, key: str) -> None:
    answer = client.post("/v1/auth/register", json=REGISTRATION, headers={"Idempotency-Key": key})
    assert answer.status_code == 201, answer.text
    assert bus.sent[0].idempotency_key == key
