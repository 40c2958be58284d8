"""Every shipped file resolves through importlib.resources, as installed, editable or bundled."""

from __future__ import annotations

import tomllib
import wave
from fnmatch import fnmatch
from pathlib import Path

import ibkr_desktop.resources as resources
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ibkr_desktop.app.theme import stylesheet
from ibkr_desktop.widgets.icons import app_icon, app_pixmap
from ibkr_desktop.widgets.tray import PopupSound

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", resources.ALL)
def test_every_resource_resolves_to_a_real_file(name: str) -> None:
    """read_bytes and as_file give the same non-empty file for each name."""
    data = resources.read_bytes(name)
    assert data
    with resources.as_file(name) as path:
        assert path.read_bytes() == data


def test_missing_resource_raises_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        resources.read_bytes("icons/nope.png")
    with pytest.raises(FileNotFoundError), resources.as_file("nope.wav"):
        pass


@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_png_icons_are_square_images_of_their_size(size: int) -> None:
    image = QImage.fromData(resources.read_bytes(resources.icon_png(size)), "PNG")
    assert (image.width(), image.height()) == (size, size)
    corner, middle = image.pixelColor(0, 0), image.pixelColor(size // 2, size // 2)
    assert corner.alpha() < 32  # rounded tile on transparent (antialiased at 16 px)
    assert middle.alpha() == 255


def test_themes_load_their_stylesheet() -> None:
    for name in resources.THEMES:
        text = resources.read_text(resources.theme(name))
        assert stylesheet(name) == text
        assert "QMainWindow" in text or "QWidget" in text


def test_sound_is_a_short_mono_wav() -> None:
    with resources.as_file(resources.SOUND) as path, wave.open(str(path)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
    assert 0.1 <= seconds <= 0.5


def test_app_icon_offers_every_window_size_and_badges_the_tray_icon(qapp) -> None:
    icon = app_icon()
    assert {size.width() for size in icon.availableSizes()} >= {16, 32, 48, 256}
    plain, badged = app_pixmap(64).toImage(), app_pixmap(64, "#8250df").toImage()
    assert plain.pixelColor(54, 54) != badged.pixelColor(54, 54)
    assert badged.pixelColor(52, 52).name() == "#8250df"


def test_wheel_package_data_covers_every_resource() -> None:
    """pyproject's package-data globs match each file, so a wheel install ships them all."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["ibkr_desktop.resources"]
    for name in resources.ALL:
        assert any(fnmatch(name, glob) for glob in globs), name
        assert (ROOT / "resources" / name).is_file()


def test_popup_sound_without_qtmultimedia_is_the_desktop_beep(qapp, monkeypatch) -> None:
    """PySide6-Essentials has no QtMultimedia: the sound falls back to QApplication.beep."""
    beeps: list[bool] = []
    monkeypatch.setattr(QApplication, "beep", lambda: beeps.append(True))
    sound = PopupSound()
    assert sound.kind == "beep"
    sound.play()
    assert beeps == [True]


def test_every_file_in_the_resources_folder_is_listed() -> None:
    """A file added to resources/ without a name in ALL would be missing from the bundle."""
    folder = ROOT / "resources"
    shipped = {path.relative_to(folder).as_posix() for path in folder.rglob("*")
               if path.is_file() and path.suffix not in (".py", ".pyc")}
    assert shipped == set(resources.ALL)
