"""The ping's rule: one stale connection is retried, an unreachable database is down at once."""

from typing import Any

from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from sportello_kit.mongo import Database


class Admin:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    async def command(self, name: str) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": 1}


class Client:
    def __init__(self, failures: list[Exception]) -> None:
        self.admin = Admin(failures)

    def __getitem__(self, name: str) -> object:
        return object()


async def test_a_ping_failing_on_a_stale_connection_is_tried_once_more() -> None:
    client = Client([AutoReconnect("connection closed")])
    assert await Database(client, "x").ping()  # type: ignore[arg-type]
    assert client.admin.calls == 2


async def test_a_database_failing_twice_is_down() -> None:
    client = Client([AutoReconnect("connection closed"), AutoReconnect("again")])
    assert not await Database(client, "x").ping()  # type: ignore[arg-type]
    assert client.admin.calls == 2


async def test_a_database_that_cannot_be_selected_is_down_without_a_second_wait() -> None:
    client = Client([ServerSelectionTimeoutError("no servers")])
    assert not await Database(client, "x").ping()  # type: ignore[arg-type]
    assert client.admin.calls == 1
