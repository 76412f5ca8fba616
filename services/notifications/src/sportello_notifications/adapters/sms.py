"""Sending text messages: the local sink, a folder with one file per message.

Real SMS providers come with issue 21; they take the sink's place behind `TextSender`.
"""

import asyncio
import os
import secrets
from pathlib import Path

from sportello_notifications.adapters.templates import render_text
from sportello_notifications.domain.messages import Text


class SmsFolder:
    """Texts as files in `folder/new`, one per message, as a Maildir keeps mail: written in
    `tmp` first and moved, so a reader never sees half a message."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, text: Text) -> None:
        await asyncio.to_thread(self._write, text)

    def _write(self, text: Text) -> None:
        for part in ("tmp", "new"):
            (self.folder / part).mkdir(parents=True, exist_ok=True)
        name = f"{text.key.replace(':', '.')}.{secrets.token_hex(4)}.txt"
        draft = self.folder / "tmp" / name
        draft.write_text(f"To: {text.to}\nKey: {text.key}\n\n{render_text(text)}\n")
        os.replace(draft, self.folder / "new" / name)
