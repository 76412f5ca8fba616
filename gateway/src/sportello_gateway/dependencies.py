"""Typed route dependencies: what a route needs, said in its signature."""

from typing import Annotated

from fastapi import Depends, Request

from sportello_gateway.bus import BusClient


def _bus(request: Request) -> BusClient:
    bus: BusClient = request.app.state.bus
    return bus


def _request_id(request: Request) -> str:
    request_id: str = request.state.request_id
    return request_id


Bus = Annotated[BusClient, Depends(_bus)]
RequestId = Annotated[str, Depends(_request_id)]
