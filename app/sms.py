"""SMS provider interface with console and file backends (a real provider plugs in here)."""

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from app.config import Settings


class SmsProvider(Protocol):
    async def send(self, recipient: str, text: str) -> None: ...


class ConsoleSms:
    async def send(self, recipient: str, text: str) -> None:
        sys.stdout.write(f"\n--- SMS to {recipient}: {text}\n")
        sys.stdout.flush()


class FileSms:
    """Writes each message as a small text file: the first line is the recipient, the rest the text."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, recipient: str, text: str) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self._directory / f"{stamp}-{uuid.uuid4().hex}.txt").write_text(f"{recipient}\n{text}\n")


def sms_provider_from_settings(settings: Settings) -> SmsProvider:
    if settings.sms_backend == "console":
        return ConsoleSms()
    return FileSms(settings.data_dir / "sms")
