"""Registration, the summary e-mail, log-in, refresh and the profile, through the gateway."""

import asyncio
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import (
    PASSWORD,
    REFRESH_GRACE_SECONDS,
    assert_problem,
    bearer,
    log_in,
    onboard,
    refused,
    register,
    registration,
    signed_in_customer,
    the_one_mail_to,
    username_of,
)
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually, random_customer, random_vat_number
from sportello_identity.settings import IdentitySettings

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def identity_settings(system: Any) -> IdentitySettings:
    """Identity's settings as the running system has them (its `IDENTITY_*` variables)."""
    prefix = "IDENTITY_"
    values = {k[len(prefix) :].lower(): v for k, v in system.env.items() if k.startswith(prefix)}
    return IdentitySettings.model_validate({**values, "SPORTELLO_ENV": "development"})


async def test_register_receive_summary_log_in_and_read_own_profile(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer(full_name="Anna Ferrari")
    await onboard(system, customer)

    answer = await register(gateway, customer, username="Anna.Ferrari")
    assert answer.status_code == 201, answer.text
    account = answer.json()
    assert account["username"] == "anna.ferrari"  # usernames are case-insensitive
    assert account["email"] == customer.email

    mail = await the_one_mail_to(system, customer.email)
    text = text_of(mail)
    assert mail["Subject"].startswith("Benvenuto nell'Area Clienti")
    assert "Gentile Anna Ferrari" in text
    assert "anna.ferrari" in text
    assert customer.customer_code in text
    assert PASSWORD not in mail.as_string()
    assert customer.fiscal_code not in text  # shown only in part

    session = await log_in(gateway, "anna.ferrari")
    assert session["token_type"] == "Bearer"
    assert session["expires_in"] == 15 * 60
    profile = await gateway.get("/v1/me", headers=bearer(session))
    assert profile.status_code == 200, profile.text
    me = profile.json()
    assert me["account_id"] == account["account_id"]
    assert me["full_name"] == "Anna Ferrari"
    assert me["fiscal_code"] == customer.fiscal_code
    assert me["customer_codes"] == [customer.customer_code]
    assert me["role"] == "customer"
    # The secrets reached identity, and none of its log lines.
    identity_log = (system.logs / "identity.log").read_text()
    assert customer.registration_pin not in identity_log
    assert PASSWORD not in identity_log


async def test_each_user_sees_only_their_own_profile(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    first, second = random_customer(), random_customer()
    for customer in (first, second):
        await onboard(system, customer)
        assert (await register(gateway, customer)).status_code == 201
    session = await log_in(gateway, username_of(second))
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert me["fiscal_code"] == second.fiscal_code
    assert me["customer_codes"] == [second.customer_code]


async def test_one_account_holds_every_customer_code_of_the_fiscal_identity(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    gas = random_customer()
    power = random_customer(fiscal_code=gas.fiscal_code, email=gas.email)
    for customer in (gas, power):
        await onboard(system, customer)
    assert (await register(gateway, power)).status_code == 201
    session = await log_in(gateway, username_of(power))
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert sorted(me["customer_codes"]) == sorted([gas.customer_code, power.customer_code])
    # The other letter's PIN cannot open a second account for the same fiscal identity.
    assert_problem(await register(gateway, gas, username="another.name"), 409, "pin_already_used")


async def test_a_customer_code_onboarded_after_registration_joins_the_account(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    first, session = await signed_in_customer(system, gateway)

    later = random_customer(fiscal_code=first.fiscal_code, email=first.email)
    await onboard(system, later)

    async def both() -> bool:
        me = (await gateway.get("/v1/me", headers=bearer(session))).json()
        return sorted(me["customer_codes"]) == sorted([first.customer_code, later.customer_code])

    await eventually(both, what="the new customer code in the profile")
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        outbox = client.sportello_identity.outbox

        async def announced() -> bool:
            record = await outbox.find_one(
                {"routing_key": "identity.scope.changed", "body": {"$regex": later.customer_code}}
            )
            return record is not None and record["sent_at"] is not None

        await eventually(announced, what="ScopeChanged published")


async def test_a_condominium_registers_with_its_eleven_digit_fiscal_code(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    condominium = random_customer(fiscal_code=random_vat_number(), full_name="Condominio Aurora")
    await onboard(system, condominium)
    assert (await register(gateway, condominium)).status_code == 201


async def test_wrong_pin_is_refused_and_the_right_one_still_works(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    wrong = "1" * 8 if customer.registration_pin != "1" * 8 else "2" * 8
    problem = assert_problem(
        await register(gateway, customer, registration_pin=wrong), 422, "registration_data_mismatch"
    )
    assert problem["type"] == "/problems/registration-data-mismatch"
    assert problem["instance"] == "/v1/auth/register"
    assert (await register(gateway, customer)).status_code == 201


async def test_unknown_fiscal_code_gets_the_same_answer_as_a_wrong_pin(
    gateway: httpx.AsyncClient, system: Any
) -> None:
    stranger = random_customer()  # never onboarded
    assert_problem(await register(gateway, stranger), 422, "registration_data_mismatch")


async def test_wrong_pins_sent_at_once_get_only_the_free_ones_checked(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    free = identity_settings(system).pin_free_failures
    customer = random_customer()
    await onboard(system, customer)
    wrong = "1" * 8 if customer.registration_pin != "1" * 8 else "2" * 8

    answers = await asyncio.gather(
        *(register(gateway, customer, registration_pin=wrong) for _ in range(free + 4))
    )

    # Each guess is counted before it is checked: the ones past the free failures wait.
    assert sorted(a.status_code for a in answers) == [422] * free + [429] * 4
    for answer in answers:
        if answer.status_code == 429:
            problem = assert_problem(answer, 429, "too_many_attempts")
            assert int(answer.headers["retry-after"]) == problem["details"]["retry_after"] >= 1
    await asyncio.sleep(max(int(a.headers.get("retry-after", 0)) for a in answers))
    assert (await register(gateway, customer)).status_code == 201


async def test_a_used_pin_cannot_register_again(system: Any, gateway: httpx.AsyncClient) -> None:
    customer = random_customer()
    await onboard(system, customer)
    assert (await register(gateway, customer)).status_code == 201
    assert_problem(
        await register(gateway, customer, username="second.try"), 409, "pin_already_used"
    )


async def test_duplicate_username_is_refused_and_nothing_is_half_written(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    first, second = random_customer(), random_customer()
    for customer in (first, second):
        await onboard(system, customer)
    assert (await register(gateway, first, username="taken.name")).status_code == 201
    assert_problem(await register(gateway, second, username="taken.name"), 409, "username_taken")
    # The refused attempt consumed neither the PIN nor the e-mail address.
    assert (await register(gateway, second, username="free.name")).status_code == 201


async def test_duplicate_email_is_refused_and_nothing_is_half_written(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    first, second = random_customer(), random_customer()
    for customer in (first, second):
        await onboard(system, customer)
    assert (await register(gateway, first)).status_code == 201
    assert_problem(await register(gateway, second, email=first.email.upper()), 409, "email_taken")
    assert (await register(gateway, second)).status_code == 201


async def test_weak_password_is_refused_with_every_reason(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    problem = assert_problem(
        await register(gateway, customer, password="abc"), 422, "weak_password"
    )
    assert len(problem["details"]["problems"]) == 2  # too short, and too few kinds of character
    assert (await register(gateway, customer)).status_code == 201


async def test_invalid_fiscal_code_check_character_is_refused(gateway: httpx.AsyncClient) -> None:
    customer = random_customer()
    broken = customer.fiscal_code[:15] + ("A" if customer.fiscal_code[15] != "A" else "B")
    assert_problem(
        await gateway.post("/v1/auth/register", json=registration(customer, fiscal_code=broken)),
        422,
        "invalid_fiscal_code",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fiscal_code": "RSSMRA80A01H501U"}, "body.registration_pin"),
        (
            {
                "fiscal_code": "not a code",
                "registration_pin": "12345678",
                "username": "valid.name",
                "password": PASSWORD,
            },
            "body.fiscal_code",
        ),
        (
            {
                "fiscal_code": "RSSMRA80A01H501U",
                "registration_pin": "12345678",
                "username": "a b",
                "password": PASSWORD,
            },
            "body.username",
        ),
        (
            {
                "fiscal_code": "RSSMRA80A01H501U",
                "registration_pin": "12345678",
                "username": "valid.name",
                "password": PASSWORD,
                "role": "operator",
            },
            "body.role",
        ),
    ],
)
async def test_malformed_registration_is_a_clear_422(
    gateway: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        await gateway.post("/v1/auth/register", json=body), 422, "invalid_request"
    )
    assert field in [e["field"] for e in problem["errors"]]


async def test_a_body_that_is_not_json_is_a_clear_422(gateway: httpx.AsyncClient) -> None:
    answer = await gateway.post(
        "/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(answer, 422, "invalid_request")


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    assert (await register(gateway, customer)).status_code == 201
    username = username_of(customer)
    wrong = await gateway.post("/v1/auth/login", json={"username": username, "password": "x" * 12})
    unknown = await gateway.post(
        "/v1/auth/login", json={"username": "nobody.here", "password": "x" * 12}
    )
    for answer in (wrong, unknown):
        problem = assert_problem(answer, 401, "wrong_credentials")
        assert answer.headers["www-authenticate"] == "Bearer"
    assert problem["detail"] == wrong.json()["detail"]


async def test_refresh_gives_a_new_pair_and_a_reused_refresh_token_ends_the_session(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, first = await signed_in_customer(system, gateway)

    renewed = await gateway.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await gateway.get("/v1/me", headers=bearer(second))).status_code == 200

    # Past the grace window (a double submit within it still gets a pair: test_sessions.py).
    await asyncio.sleep(REFRESH_GRACE_SECONDS + 0.2)
    replayed = await gateway.post(
        "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert_problem(replayed, 401, "session_ended")
    # The replay revoked the whole line: the pair issued after it is dead too, its access
    # token as well (from the next request on, once identity's event reached the gateway).
    after = await gateway.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert_problem(after, 401, "session_ended")
    await eventually(
        lambda: refused(gateway, second), what="the replayed session's access token refused"
    )


async def test_logging_out_ends_the_session_and_any_token_gets_the_same_answer(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    token = {"refresh_token": session["refresh_token"]}

    out = await gateway.post("/v1/auth/logout", json=token)
    assert out.status_code == 204, out.text
    assert out.content == b""
    assert_problem(await gateway.post("/v1/auth/refresh", json=token), 401, "session_ended")
    # Again, or with a token never issued: the same answer, which tells nothing.
    for body in (token, {"refresh_token": "rt_never-issued"}):
        assert (await gateway.post("/v1/auth/logout", json=body)).status_code == 204
    assert_problem(await gateway.post("/v1/auth/logout", json={}), 422, "invalid_request")
    too_long = {"refresh_token": "x" * 201}
    assert_problem(await gateway.post("/v1/auth/logout", json=too_long), 422, "invalid_request")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
async def test_profile_needs_a_valid_access_token(
    gateway: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    # Tokens signed wrong, or right for an account that does not exist: test_tokens.py.
    answer = await gateway.get("/v1/me", headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_the_request_id_is_returned_and_a_clients_own_is_kept(
    gateway: httpx.AsyncClient,
) -> None:
    generated = await gateway.get("/health/ready")
    assert len(generated.headers["x-request-id"]) == 32
    kept = await gateway.get("/health/ready", headers={"X-Request-ID": "client-abc-12345"})
    assert kept.headers["x-request-id"] == "client-abc-12345"


async def test_openapi_is_published(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    assert {"/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh", "/v1/me"} <= set(
        spec["paths"]
    )
    assert (await gateway.get("/docs")).status_code == 200
