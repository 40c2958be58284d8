"""The layer rules hold: import-linter contracts, plus no QtWidgets below widgets/."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "ibkr_desktop"


def test_import_linter_contracts_hold() -> None:
    """`lint-imports` (contracts in pyproject.toml) passes."""
    root = PACKAGE.parent
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_client_and_models_never_import_qtwidgets() -> None:
    """client/ and models/ use QtCore (and QtGui for colours) only, never QtWidgets."""
    offenders = []
    for layer in ("client", "models", "protocol"):
        for path in (PACKAGE / layer).rglob("*.py"):
            if any(m.startswith("PySide6.QtWidgets") for m in _imported_modules(path)):
                offenders.append(str(path))
    assert offenders == []
