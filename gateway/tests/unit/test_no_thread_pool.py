"""Every route and every dependency of the gateway is a coroutine: FastAPI runs a plain `def` in
its thread pool, a hand-off to a thread and back on each request (bench/README.md)."""

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sportello_gateway.operators import create_internal_app
from sportello_gateway.routes import ROUTERS


def _calls(dependant: Dependant) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)


def _is_coroutine(call: Any) -> bool:
    # A security scheme is an instance whose `__call__` is the dependency.
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - the method itself, not callability
    )


def test_no_route_or_dependency_runs_in_the_thread_pool(make_app: Any) -> None:
    operators = create_internal_app(make_app())
    routes = [
        route
        for route in [*(r for router in ROUTERS for r in router.routes), *operators.routes]
        if isinstance(route, APIRoute)
    ]
    paths = {route.path for route in routes}
    assert {"/v1/me", "/v1/auth/login", "/health"} <= paths
    blocking = sorted(
        {
            f"{route.path}: {getattr(call, '__qualname__', type(call).__qualname__)}"
            for route in routes
            for call in _calls(route.dependant)
            if not _is_coroutine(call)
        }
    )
    assert blocking == []
