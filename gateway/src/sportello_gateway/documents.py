"""A service's `Document` (a bill's PDF) as an HTTP answer: its bytes, named, cacheable by ETag."""

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Response

from sportello_contracts.rpc import Document

PDF = "application/pdf"
# Kept by the browser, but asked again each time (`no-cache`): a bill's PDF is personal data,
# and a credit note or a cancellation changes it; the ETag makes asking again cheap.
CACHE_CONTROL = "private, no-cache"
# What a file name may hold in a header: anything else (quotes, CR/LF, non-ASCII) becomes `_`.
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PdfResponse(Response):
    """The response class of a route answering a PDF: what its OpenAPI 200 says."""

    media_type = PDF


# A dependency, like `IdempotencyKey`: async, so FastAPI does not hand it to its thread pool.
async def _if_none_match(
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            max_length=2000,
            description="The `ETag` of the copy already held: unchanged, the answer is a 304.",
        ),
    ] = None,
) -> str | None:
    return if_none_match


IfNoneMatch = Annotated[str | None, Depends(_if_none_match)]


def etag(document: Document) -> str | None:
    """The strong ETag of the document: its content's SHA-256, as billing computed it (none
    if what came is not one: it goes into a header)."""
    return f'"{document.sha256}"' if _SHA256.match(document.sha256) else None


def unchanged(if_none_match: str | None, tag: str | None) -> bool:
    """Whether `If-None-Match` names the current ETag (weak comparison, RFC 9110 13.1.2)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True  # RFC 9110: `*` fails for a GET whenever the document exists, as here
    if tag is None:
        return False
    held = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return tag in held


def safe_filename(filename: str) -> str:
    """The file name as it can go in `Content-Disposition` without breaking out of it."""
    return _UNSAFE_IN_FILENAME.sub("_", filename)[:120] or "documento.pdf"


def document_response(document: Document, if_none_match: str | None) -> Response:
    """The document's bytes with its name, length and ETag; a 304 when the client's copy is it.

    One `Response`, not a `StreamingResponse`: the bytes are in memory already (they came as
    one AMQP message), and chunking them would only add copies and lose `Content-Length`'s
    automatic handling.
    """
    tag = etag(document)
    headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if tag is not None:
        headers["ETag"] = tag
    if unchanged(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{safe_filename(document.filename)}"'
    return Response(document.content, media_type=document.media_type, headers=headers)


def pdf_responses() -> dict[int | str, dict[str, Any]]:
    """The OpenAPI of a PDF's 200 and 304 (the problems come from `problems_doc.responses`)."""
    string = {"schema": {"type": "string"}}
    headers = {
        "ETag": {"description": "The SHA-256 of the file, quoted.", **string},
        "Cache-Control": {"description": f"`{CACHE_CONTROL}`.", **string},
        "Content-Disposition": {"description": '`inline; filename="..."`.', **string},
        "Content-Length": {
            "description": "The file's size in bytes.",
            "schema": {"type": "integer", "minimum": 0},
        },
    }
    return {
        200: {
            "description": "The PDF.",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            "headers": headers,
        },
        304: {
            "description": "Not Modified: the `If-None-Match` ETag is the file's.",
            "headers": {k: headers[k] for k in ("ETag", "Cache-Control")},
        },
    }
