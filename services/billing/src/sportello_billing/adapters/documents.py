"""Rendered PDFs, stored once each under a key that changes when their content would."""

import hashlib
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from bson import Binary
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_contracts.rpc import Document


class DocumentStore:
    """One document per file (`_id` its key). A bill's PDF is some tens of kB, far under
    MongoDB's 16 MB document limit, so a document keeps it whole and atomically (GridFS
    would split it in chunks that two first downloads racing could leave twice)."""

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def get(self, key: str) -> Document | None:
        doc = await self.collection.find_one({"_id": key})
        if doc is None:
            return None
        return Document(
            media_type=doc["media_type"],
            filename=doc["filename"],
            sha256=doc["sha256"],
            content=bytes(doc["content"]),
        )

    async def keep(self, key: str, media_type: str, filename: str, content: bytes) -> Document:
        document = Document(
            media_type=media_type,
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        # Rendered by another request meanwhile: the same input gave the same bytes.
        with suppress(DuplicateKeyError):
            await self.collection.insert_one(
                {
                    "_id": key,
                    "media_type": media_type,
                    "filename": filename,
                    "sha256": document.sha256,
                    "content": Binary(content),
                    "size": len(content),
                    "created_at": datetime.now(UTC),
                }
            )
        return document
