"""The front door under clumsy and hostile input: every route of the OpenAPI document, bodies at
and past every declared limit, junk of every kind, and a schemathesis fuzz run with and without
a valid token. Never a 5xx; every error a problem+json with a status the document lists.

The requests go through a gateway of the test's own that trusts this machine as its proxy, so
each can say it comes from an address of its own (`X-Forwarded-For`): identity's limits per
client address then never slow the rest of the suite, which shares 127.0.0.1.
"""

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import pytest
import pytest_asyncio
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Err

from e2e.flows import Gateway, bearer, own_gateway, signed_in_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

PROBLEM = "application/problem+json"
# Larger than the gateway's body limit (64 KiB by default).
OVERSIZED = 70 * 1024


# Its own generator: Hypothesis seeds the global one alike before every example it runs.
_ADDRESSES = random.Random()


def client_address() -> str:
    """A made-up client (198.18.0.0/15, the benchmarking range)."""
    pick = _ADDRESSES.randint
    return f"198.{pick(18, 19)}.{pick(0, 255)}.{pick(1, 254)}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def front_door(system: Any) -> AsyncIterator[Gateway]:
    async with own_gateway(
        system, "gateway-front-door", GATEWAY_TRUSTED_PROXIES="127.0.0.1,::1"
    ) as gateway:
        yield gateway


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def document(front_door: Gateway) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        spec: dict[str, Any] = (await client.get(f"{front_door.url}/openapi.json")).json()
    return spec


@dataclass
class Attempt:
    method: str
    path: str
    what: str
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _schema(document: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in ref_or_schema:
        name = ref_or_schema["$ref"].rsplit("/", 1)[-1]
        schema: dict[str, Any] = document["components"]["schemas"][name]
        return schema
    return ref_or_schema


def _string_limits(schema: dict[str, Any]) -> set[int]:
    """Every length a string field declares: min and max lengths, a pattern's repetitions."""
    lengths = {schema[k] for k in ("minLength", "maxLength") if k in schema}
    for low, high in re.findall(r"\{(\d+)(?:,(\d+))?\}", schema.get("pattern", "")):
        lengths |= {int(low)} | ({int(high)} if high else set())
    return lengths


def _filler(schema: dict[str, Any], length: int) -> str:
    """A string of `length` made of a character the field's pattern allows, if any does."""
    pattern = schema.get("pattern")
    for char in "7aA.":
        if pattern is None or re.fullmatch(pattern, char * length):
            return char * length
    return "7" * length


def _nested(depth: int) -> Any:
    junk: Any = "x"
    for level in range(depth):
        junk = [junk] if level % 2 else {"a": junk}
    return junk


WRONG_TYPES: list[Any] = [0, -1, 1.5, 10**30, -(10**30), True, None, [], {}, ["a"], {"a": "b"}]
ODD_STRINGS = ["", " ", "\x00", "\ud800", "😀" * 100, "a" * 10_000, "<script>", "' OR 1=1 --"]


def _values(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for length in sorted(_string_limits(schema)):
        for n in (length - 1, length, length + 1):
            if n >= 0:
                yield f"{n} characters", _filler(schema, n)
    for value in ODD_STRINGS:
        yield f"string {value[:10]!r}", value
    for value in WRONG_TYPES:
        yield f"{type(value).__name__} {str(value)[:10]}", value
    yield "nested 64 deep", _nested(64)


RAW_BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "application/json"),
    ("not JSON", b"{not json", "application/json"),
    ("null", b"null", "application/json"),
    ("a list", b"[]", "application/json"),
    ("a string", b'"text"', "application/json"),
    ("a number", b"123", "application/json"),
    ("a huge exponent", b"1e999999", "application/json"),
    ("a 5000-digit number", b"9" * 5000, "application/json"),
    # Under the size limit, deeper than a parser's recursion.
    ("nested 30000 deep", b"[" * 30_000 + b"]" * 30_000, "application/json"),
    ("objects nested 10000 deep", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
    ("invalid UTF-8", b'{"a": "\xff\xfe"}', "application/json"),
    ("a byte-order mark", b'\xef\xbb\xbf{"a": 1}', "application/json"),
    ("over the size limit", b'{"a": "' + b"x" * OVERSIZED + b'"}', "application/json"),
    ("plain text", b"hello", "text/plain"),
    ("a form", b"username=a&password=b", "application/x-www-form-urlencoded"),
    ("multipart junk", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    ("an odd charset", b'{"a": 1}', "application/json; charset=latin-1"),
    ("no content type", b'{"a": 1}', ""),
]

JUNK_HEADERS: list[dict[str, str]] = [
    {"Authorization": "Bearer " + "a" * 7000},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer a.b.c"},
    {"Authorization": "Bearer ...."},
    {"Authorization": "Basic Zm9vOmJhcg=="},
    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
    {"X-Request-ID": "x" * 7000},
    {"X-Request-ID": "../../etc/passwd"},
    {"Idempotency-Key": "k" * 201},
    {"Idempotency-Key": "a b"},
    {"X-Forwarded-For": "garbage, <script>, 999.1.1.1"},
    {"X-Forwarded-For": "," * 2000},
    {"X-Forwarded-For": "unknown"},
    {"Content-Length": "0"},
]


def attempts(document: dict[str, Any]) -> Iterator[Attempt]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for headers in JUNK_HEADERS:
                yield Attempt(method, path, f"header {next(iter(headers))}", headers=headers)
            if "requestBody" not in operation:
                continue
            content = operation["requestBody"]["content"]["application/json"]["schema"]
            body_schema = _schema(document, content)
            (example,) = body_schema["examples"]  # where the mutations start from

            def sent(body: Any, what: str, *, m: str = method, p: str = path) -> Attempt:
                content = json.dumps(body).encode()
                return Attempt(m, p, what, content, {"Content-Type": "application/json"})

            yield sent(example, "the example")
            yield sent({**example, "unexpected": 1}, "an extra field")
            for name in body_schema["properties"]:
                field_schema = body_schema["properties"][name]
                yield sent({k: v for k, v in example.items() if k != name}, f"{name} missing")
                for what, value in _values(field_schema):
                    yield sent({**example, name: value}, f"{name}: {what}")
            for what, raw, content_type in RAW_BODIES:
                headers = {"Content-Type": content_type} if content_type else {}
                yield Attempt(method, path, f"body {what}", raw, headers)


def _fault(attempt: Attempt, answer: httpx.Response, document: dict[str, Any]) -> str | None:
    """What is wrong with the answer, if anything."""
    documented = document["paths"][attempt.path][attempt.method]["responses"]
    if answer.status_code >= 500:
        return f"a {answer.status_code}"
    if str(answer.status_code) not in documented:
        return f"{answer.status_code}, which the document does not list"
    if answer.status_code < 400:
        return None
    if answer.headers.get("content-type") != PROBLEM:
        return f"{answer.status_code} as {answer.headers.get('content-type')}"
    problem = answer.json()
    if not (problem.get("code") and problem.get("status") == answer.status_code):
        return f"a malformed problem {problem}"
    return None


async def test_every_route_answers_bodies_at_and_past_every_limit_without_a_5xx(
    front_door: Gateway, document: dict[str, Any]
) -> None:
    cases = list(attempts(document))
    assert len({(a.method, a.path) for a in cases}) == sum(
        len(p) for p in document["paths"].values()
    )
    faults = []
    async with httpx.AsyncClient(base_url=front_door.url, timeout=15) as client:
        for attempt in cases:
            answer = await client.request(
                attempt.method.upper(),
                attempt.path,
                content=attempt.content,
                headers={"X-Forwarded-For": client_address(), **attempt.headers},
            )
            fault = _fault(attempt, answer, document)
            if fault is not None:
                faults.append(f"{attempt.method.upper()} {attempt.path}, {attempt.what}: {fault}")
    assert not faults, "\n".join(faults)


# A fixed budget per operation and generation mode (valid, then invalid input), the same cases
# every run: with some seventy operations, ~2,500 requests with a token and as many without,
# about a minute here (30 took 100 s of the suite's 15-minute budget).
EXAMPLES = 20


def _problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type == PROBLEM, f"{response.status_code} as {content_type}"
    return None


def fuzz(document: dict[str, Any], base_url: str, headers: Callable[[], dict[str, str]]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the gateway's own document does not load: a bug
        operation = result.ok()
        declared = document["paths"][operation.path][operation.method.lower()]
        modes = [GenerationMode.POSITIVE]
        if "requestBody" in declared or declared.get("parameters"):
            modes.append(GenerationMode.NEGATIVE)  # there is something to get wrong
        for mode in modes:

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=base_url,
                    headers=headers(),
                    additional_checks=[_problem_json],
                    # A schema cannot say what makes a codice fiscale's check character right
                    # or a password strong: valid-looking input refused with a documented 422
                    # (`invalid_fiscal_code`, `weak_password`...) is the API working.
                    excluded_checks=[positive_data_acceptance],
                )

            call()


async def test_a_fuzz_run_with_and_without_a_token_finds_no_5xx_and_nothing_off_the_schema(
    system: Any, gateway: httpx.AsyncClient, front_door: Gateway, document: dict[str, Any]
) -> None:
    _, session = await signed_in_customer(system, gateway)
    # In a thread: schemathesis calls are blocking, the event loop stays free.
    await asyncio.to_thread(
        fuzz, document, front_door.url, lambda: {"X-Forwarded-For": client_address()}
    )
    await asyncio.to_thread(
        fuzz,
        document,
        front_door.url,
        lambda: {"X-Forwarded-For": client_address(), **bearer(session)},
    )
