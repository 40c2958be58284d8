"""The Linux menu entry names the installed command and icon (packaging/linux, build_linux.sh)."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

import ibkr_desktop.resources as resources

ROOT = Path(__file__).resolve().parents[2]


def test_menu_entry_starts_the_installed_command_with_the_shipped_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(ROOT / "packaging" / "linux" / "ibkr-desktop.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    build = (ROOT / "packaging" / "build_linux.sh").read_text("utf-8")
    assert desktop["Type"] == "Application" and desktop["Name"] == "IBKR Desktop"
    assert desktop["Terminal"] == "false"
    command = desktop["Exec"].split()[0]
    assert command in scripts  # the same command a pip install puts on PATH
    assert f"/usr/bin/{command}" in build  # and the .deb's symlink
    assert desktop["Icon"] == Path(resources.ICON_SVG).stem  # installed as hicolor/*/apps/<Icon>
    assert f'apps/{desktop["Icon"]}.png' in build and f'apps/{desktop["Icon"]}.svg' in build
