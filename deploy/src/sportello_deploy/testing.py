"""Building blocks for tests and benchmarks: valid random identities, waiting for effects."""

import asyncio
import random
import string
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aio_pika
from stdnum import luhn
from stdnum.it import codicefiscale

from sportello_deploy.backoffice import NewCustomer

T = TypeVar("T")

_MONTHS = "ABCDEHLMPRST"


def random_fiscal_code() -> str:
    """A valid codice fiscale of a made-up person."""
    letters = "".join(random.choices(string.ascii_uppercase, k=6))
    birth = (
        f"{random.randint(40, 99):02d}{random.choice(_MONTHS)}{random.randint(1, 28):02d}"
        f"{random.choice('ABCDEFGHLM')}{random.randint(100, 999):03d}"
    )
    base = letters + birth
    return base + codicefiscale.calc_check_digit(base)


def random_vat_number() -> str:
    """A valid partita IVA (11 digits) of a made-up company or condominium."""
    base = f"9{random.randint(0, 999_999):06d}{random.randint(1, 100):03d}"
    return base + luhn.calc_check_digit(base)


def random_customer(**overrides: str) -> NewCustomer:
    suffix = "".join(random.choices(string.digits, k=8))
    values = {
        "customer_code": f"T{suffix}",
        "fiscal_code": random_fiscal_code(),
        "full_name": "Cliente Di Prova",
        "email": f"cliente.{suffix}@example.it",
        "registration_pin": "".join(random.choices(string.digits, k=8)),
        **overrides,
    }
    return NewCustomer(**values)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], seconds: float = 10, what: str = "the effect"
) -> T:
    """Await `probe` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        await asyncio.sleep(0.05)


async def take_dead_letters(
    rabbitmq_url: str, queue: str
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Everything in `queue`'s dead letters (`<queue>.dead`), taken off it."""
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        dead = await channel.get_queue(f"{queue}.dead")
        taken = []
        while (message := await dead.get(fail=False, no_ack=True)) is not None:
            taken.append(message)
        return taken
