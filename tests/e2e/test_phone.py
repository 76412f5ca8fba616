"""A new mobile number is the account's once the code texted to it is entered, through the
gateway; texts are read from the local sink's folder, one file per message."""

import asyncio
import random
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.flows import (
    LATE_DUPLICATE_SECONDS,
    assert_problem,
    bearer,
    mails_about,
    signed_in_customer,
)
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CHANGED_SUBJECT = "Area Clienti: il tuo numero di cellulare è cambiato"
CODE = re.compile(r"questo numero è ([0-9]{6})\.")


def new_number() -> str:
    return "+39333" + "".join(random.choices("0123456789", k=7))


def texts_to(system: Any, number: str) -> list[str]:
    folder = Path(system.env["NOTIFICATIONS_SMS_FOLDER"]) / "new"
    if not folder.exists():
        return []
    bodies = (f.read_text() for f in folder.iterdir())
    return [b for b in bodies if b.startswith(f"To: {number}\n")]


async def codes_texted(system: Any, number: str, count: int = 1) -> list[str]:
    """The codes texted to `number`, once `count` came and no further one followed."""

    async def arrived() -> bool:
        return len(texts_to(system, number)) >= count

    await eventually(arrived, seconds=30, what=f"{count} text(s) to {number}")
    await asyncio.sleep(LATE_DUPLICATE_SECONDS)
    texts = texts_to(system, number)
    assert len(texts) == count, texts
    found = [CODE.search(t) for t in texts]
    return [f.group(1) for f in found if f is not None]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_new_number_is_confirmed_by_the_code_texted_to_it(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    number = new_number()
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"

    asked = await gateway.put("/v1/me/phone", json={"phone": spaced}, headers=bearer(session))
    assert asked.status_code == 202, asked.text
    assert asked.json()["pending_phone"] == number
    assert "Ti abbiamo inviato un SMS" in asked.json()["detail"]
    (code,) = await codes_texted(system, number)
    assert (await gateway.get("/v1/me", headers=bearer(session))).json()["phone"] is None

    async def enter(value: Any, session: dict[str, Any] = session) -> httpx.Response:
        return await gateway.post(
            "/v1/me/phone/confirmation", json={"code": value}, headers=bearer(session)
        )

    assert_problem(await enter(wrong(code)), 422, "code_invalid")
    assert_problem(await enter("12345"), 422, "invalid_request")
    assert_problem(await enter(123456), 422, "invalid_request")
    # Another account's code is only a wrong code to this one, and the reverse.
    _, stranger = await signed_in_customer(system, gateway)
    assert_problem(await enter(code, stranger), 422, "code_invalid")

    confirmed = await enter(code)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"phone": number}
    assert (await gateway.get("/v1/me", headers=bearer(session))).json()["phone"] == number
    (notice,) = await mails_about(system, customer.email, CHANGED_SUBJECT)
    assert number in text_of(notice)
    assert_problem(await enter(code), 422, "code_invalid")  # spent
    for name in ("identity", "notifications", "gateway"):
        assert f"è {code}" not in (system.logs / f"{name}.log").read_text(), name


async def test_five_wrong_codes_void_the_code(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session = await signed_in_customer(system, gateway)
    number = new_number()
    asked = await gateway.put("/v1/me/phone", json={"phone": number}, headers=bearer(session))
    assert asked.status_code == 202, asked.text
    (code,) = await codes_texted(system, number)

    async def enter(value: str) -> httpx.Response:
        return await gateway.post(
            "/v1/me/phone/confirmation", json={"code": value}, headers=bearer(session)
        )

    for _ in range(4):
        assert_problem(await enter(wrong(code)), 422, "code_invalid")
    assert_problem(await enter(wrong(code)), 422, "code_attempts_exhausted")
    assert_problem(await enter(code), 422, "code_invalid")  # void, the right one too
    assert (await gateway.get("/v1/me", headers=bearer(session))).json()["phone"] is None


async def test_only_the_latest_code_works_and_texts_to_a_number_are_limited(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    number = new_number()

    async def ask() -> httpx.Response:
        return await gateway.put("/v1/me/phone", json={"phone": number}, headers=bearer(session))

    async def enter(value: str) -> httpx.Response:
        return await gateway.post(
            "/v1/me/phone/confirmation", json={"code": value}, headers=bearer(session)
        )

    assert (await ask()).status_code == 202
    (first,) = await codes_texted(system, number)
    assert (await ask()).status_code == 202
    (second,) = [c for c in await codes_texted(system, number, 2) if c != first]
    assert_problem(await enter(first), 422, "code_invalid")  # the newer code voids it
    assert (await ask()).status_code == 202  # the third text, the last free one
    refused = await ask()
    assert_problem(refused, 429, "too_many_requests")
    assert int(refused.headers["Retry-After"]) >= 1
    (third,) = [c for c in await codes_texted(system, number, 3) if c not in (first, second)]
    assert (await enter(third)).status_code == 200
    unauthenticated = await gateway.put("/v1/me/phone", json={"phone": number})
    assert_problem(unauthenticated, 401, "unauthenticated")
