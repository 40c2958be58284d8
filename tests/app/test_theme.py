"""Both themes draw every radio button and check box so it can be seen (the dark theme's were
nearly invisible: Fusion outlines them in the window colour, darkened)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QMenu,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
)

from ibkr_desktop.app.theme import THEMES, apply_theme
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio (1 = none, 21 = black on white)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def indicator_contrast(button: QRadioButton | QCheckBox, background: QColor) -> float:
    """The strongest contrast against ``background`` inside the button's indicator."""
    button.adjustSize()  # a button in a layout keeps the size the layout gave it
    option = QStyleOptionButton()
    button.initStyleOption(option)
    element = (QStyle.SubElement.SE_RadioButtonIndicator if isinstance(button, QRadioButton)
               else QStyle.SubElement.SE_CheckBoxIndicator)
    rect = button.style().subElementRect(element, option, button)
    image = button.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert rect.width() >= 10 and rect.right() < image.width() and rect.bottom() < image.height()
    return max(contrast(image.pixelColor(x, y), background)
               for x in range(rect.left(), rect.right() + 1)
               for y in range(rect.top(), rect.bottom() + 1))


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.mark.parametrize("theme", THEMES)
def test_unchecked_radio_buttons_and_check_boxes_stand_out_from_the_window(
        themed: QApplication, qtbot, theme: str) -> None:  # type: ignore[no-untyped-def]
    apply_theme(themed, theme)
    dialog = SettingsDialog(SettingsChoice(True, "https://localhost:5000", theme))
    qtbot.addWidget(dialog)
    dialog.adjustSize()
    box = QCheckBox("Sound with pop-ups", dialog)
    window = dialog.palette().color(QPalette.ColorRole.Window)
    assert not dialog.real_button.isChecked() and not box.isChecked()
    # WCAG's 3:1 for the parts of a control the user must see
    assert indicator_contrast(dialog.real_button, window) >= 3.0
    assert indicator_contrast(box, window) >= 3.0
    checked = QRadioButton("on", dialog)
    checked.setChecked(True)
    assert indicator_contrast(checked, window) >= 3.0


@pytest.mark.parametrize("theme", THEMES)
def test_an_unticked_menu_item_shows_its_box(themed: QApplication, qtbot,  # type: ignore[no-untyped-def]
                                             theme: str) -> None:
    """A checkable menu item ("Sound with pop-ups") that is off still shows a box, so it reads
    as a setting, not a command (Fusion under the stylesheet drew nothing)."""
    apply_theme(themed, theme)
    menu = QMenu()
    qtbot.addWidget(menu)
    menu.addAction("Sound with pop-ups").setCheckable(True)
    plain = menu.addAction("Quit")
    menu.adjustSize()
    image = menu.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    background = menu.palette().color(QPalette.ColorRole.Window)
    checkable, command = menu.actionGeometry(menu.actions()[0]), menu.actionGeometry(plain)

    def strongest(row: QRect) -> float:  # the item's left part, where the box is drawn
        return max(contrast(image.pixelColor(x, y), image.pixelColor(row.right() - 2, y))
                   for x in range(row.left(), row.left() + 24)
                   for y in range(row.top(), row.bottom() + 1))

    assert background.isValid()
    assert strongest(checkable) >= 3.0
    assert strongest(command) < 1.5  # nothing drawn there for a plain command
