"""Where a table export's save dialog opens: the folder of the last export, else Documents.

The app hands every table one remembered setting (``Keys.EXPORT_FOLDER``); widgets never read
settings themselves, so the setting comes in as anything with ``get``/``set``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QStandardPaths


class Remembered(Protocol):
    """A remembered text setting (the app passes ``Keys.EXPORT_FOLDER``)."""

    def get(self) -> str: ...

    def set(self, value: str) -> None: ...


def start_folder(remembered: Remembered | None) -> str:
    """The last export's folder while it exists, else the user's Documents (else home)."""
    last = remembered.get() if remembered is not None else ""
    if last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def remember(remembered: Remembered | None, chosen: str) -> None:
    """Keep the folder of the file the user chose (the next dialog starts there)."""
    if remembered is not None:
        remembered.set(str(Path(chosen).parent))
