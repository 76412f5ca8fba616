"""How problems appear in the OpenAPI document."""

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable `code` clients may branch on."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in (*statuses, 503)
    }
