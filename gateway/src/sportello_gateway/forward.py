"""The one way a route sends its request on: HTTP body in, contract request out, the reply back.

HTTP bodies are derived from the contracts' request models (`http_model`), so their types and
limits cannot drift apart: a body the contract would refuse is refused as a 422 before anything
is sent. Building the contract request can still fail (a validator of the contract, a field the
gateway fills in): that too is a 422 naming the fields, never a 500.
"""

from collections.abc import Collection
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from sportello_contracts.base import Contract
from sportello_contracts.identity import USER_AGENT_MAX_LENGTH
from sportello_contracts.rpc import Caller, Operation
from sportello_contracts.rpc import Request as ContractRequest
from sportello_gateway.bus import BusClient
from sportello_gateway.client_address import client_address
from sportello_gateway.request_id import current_request_id
from sportello_gateway.settings import GatewaySettings

Req = TypeVar("Req", bound=ContractRequest)
Rep = TypeVar("Rep", bound=Contract)

# What the gateway fills in itself: a client may never send them.
GATEWAY_FIELDS = frozenset({"caller", "client_address", "user_agent"})


def http_model(
    contract: type[ContractRequest],
    name: str,
    *,
    exclude: Collection[str] = GATEWAY_FIELDS,
    example: dict[str, Any] | None = None,
) -> type[BaseModel]:
    """The HTTP body of `contract`: its fields, types and limits, minus `exclude`; and unlike a
    contract (which ignores unknown fields, to let producers add some) it refuses unknown
    fields, so that a client's typo is an error rather than silently ignored. `example` shows
    in the docs (and is where the front door's tests start from)."""
    fields: dict[str, Any] = {
        field: (info.annotation, info)
        for field, info in contract.model_fields.items()
        if field not in exclude
    }
    config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [example]} if example is not None else None
    )
    model: type[BaseModel] = create_model(name, __config__=config, **fields)
    if example is not None:
        model.model_validate(example)  # an example that does not validate is a bug here
    return model


class Forwarder:
    """Sends the request of one HTTP request on the bus, with its caller, address and id."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def __call__(
        self,
        operation: Operation[Req, Rep],
        body: BaseModel | None = None,
        *,
        caller: Caller | None = None,
        idempotency_key: str | None = None,
    ) -> Rep:
        """The reply; a refusal or an unavailable service raises (the problems module maps
        them). For a command, `idempotency_key` (else the request id) makes a retry safe."""
        request_id = current_request_id()
        contract_request = self.build(operation, body, caller)
        bus: BusClient = self.request.app.state.bus
        return await bus.call(
            operation,
            contract_request,
            correlation_id=request_id,
            idempotency_key=(idempotency_key or request_id) if operation.command else None,
        )

    def build(
        self, operation: Operation[Req, Any], body: BaseModel | None, caller: Caller | None
    ) -> Req:
        fields = body.model_dump() if body is not None else {}
        try:
            return operation.request.model_validate(
                {
                    **fields,
                    "caller": caller,
                    "client_address": self.client_address(),
                    # Ignored by the contracts without the field (they ignore unknown ones).
                    "user_agent": self.user_agent(),
                }
            )
        except ValidationError as error:
            # Said as FastAPI says a body's faults, so a client sees one shape of 422.
            raise RequestValidationError(
                [_located(e, body_fields=fields.keys()) for e in error.errors()]
            ) from None

    def client_address(self) -> str | None:
        settings: GatewaySettings = self.request.app.state.settings
        peer = self.request.client.host if self.request.client else None
        address = client_address(
            peer, self.request.headers.getlist("x-forwarded-for"), settings.trusted_proxies
        )
        return str(address) if address is not None else None

    def user_agent(self) -> str | None:
        """The client's `User-Agent`, cut to what the contracts carry (a longer one is no
        reason to refuse a log-in)."""
        agent = self.request.headers.get("user-agent")
        return agent[:USER_AGENT_MAX_LENGTH] if agent else None


def _located(error: Any, body_fields: Collection[str]) -> dict[str, Any]:
    # A fault of the whole request (a contract's model validator) is the body's as a whole.
    loc = tuple(error["loc"])
    return {**error, "loc": ("body", *loc) if not loc or loc[0] in body_fields else loc}


async def _forwarder(request: Request) -> Forwarder:
    # Async, like every dependency here: a plain `def` would run in FastAPI's thread pool.
    return Forwarder(request)


Forward = Annotated[Forwarder, Depends(_forwarder)]
