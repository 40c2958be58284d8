"""The dialog every unexpected exception ends in: what happened, where the full log is.

Never a silent crash: the app's one crash reporter logs the traceback, then shows this.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def crash_box(summary: str, details: str, log_path: str, parent: QWidget | None = None
              ) -> QMessageBox:
    """A non-blocking error box (caller shows it); details hold the traceback."""
    box = QMessageBox(parent)
    box.setObjectName("crashDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Unexpected error")  # the platform appends the app name
    box.setText(f"Something went wrong: {summary}")
    box.setInformativeText(
        "The app keeps running, but the last action may not have finished.\n"
        f"The full report is in the log file:\n{log_path}")
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box
