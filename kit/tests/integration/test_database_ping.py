"""The health ping tells a database that is down from one whose old connections went stale."""

import asyncio
import logging
from pathlib import Path

import pytest

from sportello_deploy.servers import SecantusDB, free_port
from sportello_kit.mongo import Database, connect

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_restarted_database_is_up_at_the_first_ping_and_a_stopped_one_is_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = SecantusDB(free_port(), str(tmp_path / "data"))
    server.start(tmp_path / "db.log")
    database = Database(connect(server.url), "ping_test")
    try:
        # Several pooled connections, as a busy service has.
        await asyncio.gather(*(database.db.c.insert_one({}) for _ in range(8)))
        assert await database.ping()

        server.stop()
        with caplog.at_level(logging.WARNING, logger="sportello_kit.mongo"):
            assert not await database.ping()
        assert "database ping failed" in caplog.text  # with its cause, not swallowed

        # Back on the same port: every pooled connection is now a dead socket. The first ping
        # must not report the database down because it picked one of them.
        server.start()
        results = [await database.ping() for _ in range(10)]
        assert results == [True] * 10
    finally:
        await database.client.close()
        server.stop()
