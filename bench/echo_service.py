"""The benchmarks' handler: a Sportello service answering two bench-only operations.

- `bench.echo.get` returns its input and touches no database (`rpc_client.py`);
- `bench.note.add`, a command: stores a note and emits `bench.note.added` through the outbox,
  in the kit's transaction with the command's stored reply (`hot_path.py`'s write).

Run as a script it serves until stopped (SIGTERM or Ctrl-C); settings come from the environment
like any service's (RABBITMQ_URL, MONGO_URL, BUS_PREFIX). Imported, it only gives the contracts.
"""

from datetime import UTC, datetime
from typing import Annotated
from uuid import uuid4

from pydantic import Field

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.rpc import Operation, Request
from sportello_kit.service import Service
from sportello_kit.settings import ServiceSettings
from sportello_kit.transaction import Transaction

SERVICE = "bench"


class EchoRequest(Request):
    text: str


class EchoReply(Contract):
    text: str


class NoteRequest(Request):
    text: Annotated[str, Field(min_length=1, max_length=200)]


class NoteReply(Contract):
    note_id: str


class NoteAdded(EventPayload):
    ROUTING_KEY = "bench.note.added"

    note_id: str
    account_id: str
    text: str


# Bench-only, and touching no database: the health operation would add a MongoDB ping per call.
ECHO = Operation(f"{SERVICE}.echo.get", EchoRequest, EchoReply, needs_caller=False)
ADD_NOTE = Operation(f"{SERVICE}.note.add", NoteRequest, NoteReply, command=True)


def build_service(settings: ServiceSettings) -> Service:
    """The same kit, middleware and broker settings every real service runs with."""
    service = Service(SERVICE, settings)
    notes = service.database.db.notes

    @service.rpc(ECHO)
    async def echo(request: EchoRequest) -> EchoReply:
        """Answer with the text received."""
        return EchoReply(text=request.text)

    @service.rpc(ADD_NOTE)
    async def add_note(request: NoteRequest, tx: Transaction) -> NoteReply:
        """Store a note of the caller's and tell whoever listens."""
        assert request.caller is not None  # the kit refuses a request without one
        note_id = uuid4().hex
        await notes.insert_one(
            {
                "_id": note_id,
                "account_id": request.caller.user_id,
                "text": request.text,
                "at": datetime.now(UTC),
            },
            session=tx.session,
        )
        await tx.emit(
            NoteAdded(note_id=note_id, account_id=request.caller.user_id, text=request.text)
        )
        return NoteReply(note_id=note_id)

    service.emits(NoteAdded)
    return service


if __name__ == "__main__":
    build_service(ServiceSettings()).run()
