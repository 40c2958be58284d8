"""The bundle keeps every Qt module the app imports: excluding one the code uses builds a
bundle that dies at start (QtNetwork was excluded after app/single_instance.py started using
QLocalServer: 'No module named PySide6.QtNetwork' from the bundle's launcher)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _qt_imports(tree: ast.AST) -> set[str]:
    """Qt modules imported outside a ``try:`` (one under ``try`` is optional: the pop-up sound's
    QtMultimedia, which PySide6-Essentials lacks, falls back to the desktop beep)."""
    names: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Try):
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
            names.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6.")}
        names |= _qt_imports(node)
    return names


def _used_qt_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "ibkr_desktop").rglob("*.py"):
        names |= _qt_imports(ast.parse(path.read_text("utf-8")))
    return names


def test_no_qt_module_the_app_imports_is_excluded_from_the_bundle() -> None:
    spec = (ROOT / "packaging" / "ibkr-desktop.spec").read_text("utf-8")
    excluded = set(re.findall(r'"PySide6\.(Qt\w+)"', spec))
    dropped_libs = set(re.findall(r'"Qt6(\w+)"', spec))
    used = _used_qt_modules()
    assert {"QtCore", "QtGui", "QtWidgets", "QtNetwork"} <= used
    assert not used & excluded, f"used by the app but excluded: {sorted(used & excluded)}"
    libs = {name.removeprefix("Qt") for name in used}
    assert not libs & dropped_libs, f"libraries it needs are dropped: {sorted(libs & dropped_libs)}"
