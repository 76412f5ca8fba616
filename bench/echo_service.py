"""The benchmarks' handler: a Sportello service answering one trivial operation, `bench.echo.get`.

Run as a script it serves until stopped (SIGTERM or Ctrl-C); settings come from the environment
like any service's (RABBITMQ_URL, MONGO_URL, BUS_PREFIX). Imported, it only gives the contracts.
"""

from sportello_contracts.base import Contract
from sportello_contracts.rpc import Operation, Request
from sportello_kit.service import Service
from sportello_kit.settings import ServiceSettings

SERVICE = "bench"


class EchoRequest(Request):
    text: str


class EchoReply(Contract):
    text: str


# Bench-only, and touching no database: the health operation would add a MongoDB ping per call.
ECHO = Operation(f"{SERVICE}.echo.get", EchoRequest, EchoReply, needs_caller=False)


def build_service(settings: ServiceSettings) -> Service:
    """The same kit, middleware and broker settings every real service runs with."""
    service = Service(SERVICE, settings)

    @service.rpc(ECHO)
    async def echo(request: EchoRequest) -> EchoReply:
        """Answer with the text received."""
        return EchoReply(text=request.text)

    return service


if __name__ == "__main__":
    build_service(ServiceSettings()).run()
