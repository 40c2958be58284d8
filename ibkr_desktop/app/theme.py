"""Dark and light themes: Fusion style, a matching palette, the stylesheet and table colours.

Stylesheets live in the top-level ``resources/{dark,light}.qss``, installed as the
``ibkr_desktop.resources`` package; if they are missing (an odd install) the palette alone
still gives a consistent, readable theme. The stylesheets draw the radio and check-box
indicators themselves (Fusion outlines them in the window colour darkened, invisible on a dark
window); the check-box marks are ``resources/icons/{check,partial}.svg``, named in the QSS as
``url(theme:check.svg)`` through the ``theme:`` search path set here.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QDir
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

import ibkr_desktop.resources as shipped
from ibkr_desktop.app import log
from ibkr_desktop.models.table import TableColors

THEMES = ("dark", "light")

_PALETTES: dict[str, dict[QPalette.ColorRole, str]] = {
    "dark": {
        QPalette.ColorRole.Window: "#0d1117", QPalette.ColorRole.WindowText: "#c9d1d9",
        QPalette.ColorRole.Base: "#0d1117", QPalette.ColorRole.AlternateBase: "#131a22",
        QPalette.ColorRole.Text: "#c9d1d9", QPalette.ColorRole.Button: "#21262d",
        QPalette.ColorRole.ButtonText: "#c9d1d9", QPalette.ColorRole.Highlight: "#1f6feb",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#161b22",
        QPalette.ColorRole.ToolTipText: "#c9d1d9", QPalette.ColorRole.PlaceholderText: "#6e7681",
        QPalette.ColorRole.Link: "#58a6ff", QPalette.ColorRole.BrightText: "#ffffff",
    },
    "light": {
        QPalette.ColorRole.Window: "#f6f8fa", QPalette.ColorRole.WindowText: "#24292f",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f3f5f8",
        QPalette.ColorRole.Text: "#24292f", QPalette.ColorRole.Button: "#eaeef2",
        QPalette.ColorRole.ButtonText: "#24292f", QPalette.ColorRole.Highlight: "#0969da",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#24292f", QPalette.ColorRole.PlaceholderText: "#6e7781",
        QPalette.ColorRole.Link: "#0969da", QPalette.ColorRole.BrightText: "#000000",
    },
}


def stylesheet(name: str) -> str:
    """The theme's QSS text ("" when the resource file is missing)."""
    try:
        text: str = shipped.read_text(shipped.theme(name))  # mypy sees resources/ as untyped
        return text
    except (OSError, ModuleNotFoundError):
        log.get("ui").warning("theme stylesheet %s.qss not found; using the palette only", name)
        return ""


def apply_theme(app: QApplication, name: str) -> TableColors:
    """Switch the whole app to ``name`` ("dark"/"light"); returns colours for the models."""
    name = name if name in THEMES else "dark"
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in _PALETTES[name].items():
        palette.setColor(role, QColor(color))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6e7681"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor("#6e7681"))
    app.setPalette(palette)
    QDir.setSearchPaths("theme", [str(resources.files("ibkr_desktop.resources") / "icons")])
    app.setStyleSheet(stylesheet(name))
    return TableColors.for_theme(dark=name == "dark")
