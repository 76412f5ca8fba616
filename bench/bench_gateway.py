"""The gateway as it runs, with one bench-only route: `POST /bench/notes` (`hot_path.py`'s write).

    python bench/bench_gateway.py      # settings from the environment, like the gateway's

Everything else (middleware, token check, scope cache, the forward helper, problems) is the real
gateway's, built by its own `create_app`: only the route is added, written as every command's
route is.
"""

from typing import TYPE_CHECKING

from echo_service import ADD_NOTE, NoteReply, NoteRequest
from fastapi import APIRouter, FastAPI, status

from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.main import create_app, run
from sportello_gateway.settings import GatewaySettings

if TYPE_CHECKING:
    NoteCreate = NoteRequest
else:
    NoteCreate = http_model(NoteRequest, "NoteCreate", example={"text": "bench"})

router = APIRouter(prefix="/bench", tags=["bench"])


@router.post("/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    body: NoteCreate, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> NoteReply:
    return await send(ADD_NOTE, body, caller=caller, idempotency_key=idempotency_key)


def bench_app(settings: GatewaySettings) -> FastAPI:
    app = create_app(settings)
    app.include_router(router)
    return app


if __name__ == "__main__":
    run(bench_app)
