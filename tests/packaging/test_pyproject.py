"""A wheel (pip install from a file or a git URL) holds every package of the app."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_for_the_wheel() -> None:
    """setuptools ships only the listed packages: a missing one installs an app that fails on
    its first import (ibkr_desktop.app.presenters was missing, so only editable installs ran)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(path.parent.relative_to(ROOT).parts)
               for path in (ROOT / "ibkr_desktop").rglob("__init__.py")}
    on_disk |= {package for package, folder in config["package-dir"].items()
                if (ROOT / folder / "__init__.py").is_file()}
    assert set(config["packages"]) == on_disk
