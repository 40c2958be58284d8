"""Render every widget type the app uses, in one theme, onto one PNG sheet (offscreen).

The gallery holds what the windows and dialogs show: radio buttons and check boxes (on, off,
partial, disabled), combo and spin boxes, line edits (text, placeholder, disabled), push buttons
(normal, default, disabled, the status bar's fix button), tool buttons, tabs, a table with its
header, a selected row and scroll bars, group boxes, a dock title, progress bars (plain, the
request meter, throttling), the real status bar (message line and connection doctor), an open
menu, a tooltip, a message box and the real Settings dialog. Each piece is rendered with
``QWidget.grab()`` and composed into ``theme-<name>.png``.

    .venv/bin/python packaging/theme_sheet.py [--out /work/notes/shots/e11c] [--theme dark]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QSpinBox,
    QStatusBar,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.app.theme import THEMES, apply_theme  # noqa: E402
from ibkr_desktop.client.notices import Notice  # noqa: E402
from ibkr_desktop.protocol.events import SessionKind, SessionState  # noqa: E402
from ibkr_desktop.widgets.settings_dialog import SettingsChoice, SettingsDialog  # noqa: E402
from ibkr_desktop.widgets.status_bar import ConnectionDoctor, MessageLine  # noqa: E402


def _group(title: str, *rows: list[QWidget]) -> QGroupBox:
    box = QGroupBox(title)
    grid = QGridLayout(box)
    for r, row in enumerate(rows):
        for c, widget in enumerate(row):
            grid.addWidget(widget, r, c)
    return box


def _disabled(widget: QWidget) -> QWidget:
    widget.setEnabled(False)
    return widget


def _choices() -> QGroupBox:
    on, off = QRadioButton("Radio on"), QRadioButton("Radio off")
    on.setChecked(True)
    radio_off_disabled = _disabled(QRadioButton("Radio disabled"))
    radio_on_disabled = QRadioButton("Radio on, disabled")
    radio_on_disabled.setAutoExclusive(False)
    radio_on_disabled.setChecked(True)
    radio_on_disabled.setEnabled(False)
    checked, partial = QCheckBox("Check on"), QCheckBox("Check partial")
    checked.setChecked(True)
    partial.setTristate(True)
    partial.setCheckState(Qt.CheckState.PartiallyChecked)
    check_disabled = QCheckBox("Check on, disabled")
    check_disabled.setChecked(True)
    check_disabled.setEnabled(False)
    return _group("Radio buttons and check boxes", [on, off],
                  [radio_off_disabled, radio_on_disabled], [checked, QCheckBox("Check off")],
                  [partial, check_disabled])


def _inputs() -> QGroupBox:
    combo = QComboBox()
    combo.addItems(["Dark", "Light"])
    combo_off = QComboBox()
    combo_off.addItem("Disabled combo")
    combo_off.setEnabled(False)
    editable = QComboBox()
    editable.setEditable(True)
    editable.addItem("AAPL")
    spin, dspin = QSpinBox(), QDoubleSpinBox()
    spin.setRange(0, 10_000)
    spin.setValue(100)
    dspin.setValue(183.25)
    spin_off = QSpinBox()
    spin_off.setValue(5)
    spin_off.setEnabled(False)
    text, placeholder = QLineEdit("https://localhost:5000"), QLineEdit()
    placeholder.setPlaceholderText("Add symbol (Ctrl+F)")
    text_off = QLineEdit("disabled text")
    text_off.setEnabled(False)
    read_only = QLineEdit("read-only text")
    read_only.setReadOnly(True)
    return _group("Combo, spin and line edits", [combo, combo_off, editable],
                  [spin, dspin, spin_off], [text, placeholder, text_off], [read_only])


def _buttons() -> QGroupBox:
    default = QPushButton("Default")
    default.setDefault(True)
    fix = QPushButton("Open login page")
    fix.setObjectName("fixButton")
    tool = QToolButton()
    tool.setText("Tool ▾")
    tool_checked = QToolButton()
    tool_checked.setText("Checked")
    tool_checked.setCheckable(True)
    tool_checked.setChecked(True)
    flat = QPushButton("Flat")
    flat.setFlat(True)
    return _group("Buttons", [QPushButton("Normal"), default, _disabled(QPushButton("Disabled"))],
                  [fix, tool, tool_checked], [flat])


def _progress() -> QGroupBox:
    plain = QProgressBar()
    plain.setValue(40)
    busy = QProgressBar()
    busy.setRange(0, 0)
    meter, throttled = QProgressBar(), QProgressBar()
    for bar, value, flag in ((meter, 4, False), (throttled, 9, True)):
        bar.setObjectName("pacingMeter")
        bar.setRange(0, 10)
        bar.setValue(value)
        bar.setFormat(f"{value}/s of 10/s")
        bar.setProperty("throttling", flag)
    bar_scroll = QScrollBar(Qt.Orientation.Horizontal)
    bar_scroll.setRange(0, 100)
    bar_scroll.setPageStep(30)
    bar_scroll.setValue(20)
    return _group("Progress bars and a scroll bar", [plain, busy], [meter, throttled],
                  [bar_scroll])


def _table() -> QTabWidget:
    table = QTableWidget(14, 5)
    table.setObjectName("galleryTable")
    table.setAlternatingRowColors(True)
    table.setHorizontalHeaderLabels(["Symbol", "Last", "Change", "Bid", "Ask"])
    table.verticalHeader().hide()
    for row in range(14):
        for col, value in enumerate(["AAPL", "183.25", "+1.20", "183.24", "183.26"]):
            table.setItem(row, col, QTableWidgetItem(value if col else f"SYM{row}"))
    table.selectRow(2)
    table.setFixedHeight(200)
    tabs = QTabWidget()
    tabs.addTab(table, "Orders")
    tabs.addTab(QLabel("executions"), "Executions")
    tabs.addTab(QLabel("journal"), "Journal")
    tabs.setTabEnabled(2, False)
    return tabs


def _status_bar() -> QStatusBar:
    bar = QStatusBar()
    line, doctor = MessageLine(), ConnectionDoctor()
    line.show_notice(Notice("warning", "The gateway is rate-limiting requests", ""))
    doctor.set_session(SessionState(SessionKind.AUTHENTICATED, "Connected"))
    bar.addWidget(line, 1)
    bar.addPermanentWidget(doctor)
    return bar


def gallery() -> QMainWindow:
    """A main window holding every widget type, a dock and the real status bar."""
    window = QMainWindow()
    window.setObjectName("mainWindow")
    body = QWidget()
    grid = QGridLayout(body)
    grid.addWidget(_choices(), 0, 0)
    grid.addWidget(_inputs(), 0, 1)
    grid.addWidget(_buttons(), 1, 0)
    grid.addWidget(_progress(), 1, 1)
    grid.addWidget(_table(), 2, 0, 1, 2)
    window.setCentralWidget(body)
    dock = QDockWidget("Account")
    dock.setWidget(QLabel("  Net liquidation  1,000,000.00"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.setStatusBar(_status_bar())
    window.resize(1100, 640)
    return window


def menu() -> QMenu:
    """An open menu: a highlighted item, a shortcut, a ticked and an unticked one, a disabled one,
    a sub-menu."""
    top = QMenu()
    top.addAction("Buy selected symbol…").setShortcut("F2")
    chosen = top.addAction("Dark theme")
    chosen.setCheckable(True)
    chosen.setChecked(True)
    top.addAction("Sound with pop-ups").setCheckable(True)  # unticked: its box must show
    top.addSeparator()
    top.addAction("Disabled item").setEnabled(False)
    top.addMenu("Export watchlist").addAction("CSV…")
    top.setActiveAction(top.actions()[0])
    top.adjustSize()
    return top


def tooltip_pixmap(anchor: QWidget) -> QPixmap:
    """A real tooltip (QTipLabel) with a two-line text."""
    QToolTip.showText(anchor.mapToGlobal(QPoint(10, 10)),
                      "Requests to the gateway in the last second: 4.0\nPacing: off", anchor)
    QApplication.processEvents()
    tips = [w for w in QApplication.topLevelWidgets()
            if w.metaObject().className() == "QTipLabel" and w.isVisible()]
    pixmap = tips[0].grab() if tips else QPixmap()
    QToolTip.hideText()
    return pixmap


def message_box() -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, "ibkr-desktop",
                      "Cancel the order BUY 100 AAPL LMT 183.00?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.adjustSize()
    return box


def settings_dialog() -> QDialog:
    dialog = SettingsDialog(SettingsChoice(True, "https://localhost:5000", "dark"))
    dialog.adjustSize()
    return dialog


def plain_dialog() -> QDialog:
    """A dialog with a focused line edit and OK (default) / Cancel."""
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    edit = QLineEdit("Tech")
    layout.addWidget(QLabel("Name:"))
    layout.addWidget(edit)
    row = QHBoxLayout()
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    row.addWidget(buttons)
    layout.addLayout(row)
    dialog.adjustSize()
    return dialog


def compose(pieces: list[tuple[str, QPixmap]], background: QColor, ink: QColor) -> QImage:
    """Lay the pieces out left to right in rows no wider than the widest piece, captioned."""
    gap, caption = 16, 20
    sizes = [p.deviceIndependentSize().toSize() for _, p in pieces]
    width = max(1100, max(size.width() for size in sizes)) + 2 * gap
    x = y = gap
    row_height = 0
    places: list[tuple[int, int]] = []
    for size in sizes:
        if x > gap and x + size.width() > width - gap:
            x, y = gap, y + row_height + caption + gap
            row_height = 0
        places.append((x, y))
        x += size.width() + gap
        row_height = max(row_height, size.height())
    image = QImage(width, y + row_height + caption + gap, QImage.Format.Format_RGB32)
    image.fill(background)
    painter = QPainter(image)
    painter.setFont(QFont("DejaVu Sans", 9))
    painter.setPen(ink)
    for (title, pixmap), (px, py) in zip(pieces, places, strict=True):
        painter.drawText(px, py + 13, title)
        painter.drawPixmap(px, py + caption, pixmap)
    painter.end()
    return image


def sheet(app: QApplication, theme: str) -> QImage:
    """Every widget type in ``theme``, composed into one image."""
    apply_theme(app, theme)
    window = gallery()
    window.show()
    QApplication.processEvents()
    boxes = [menu(), message_box(), settings_dialog(), plain_dialog()]
    pieces = [("Gallery (main window, dock, status bar)", window.grab()),
              ("Menu", boxes[0].grab()), ("Tooltip", tooltip_pixmap(window)),
              ("Message box", boxes[1].grab()), ("Settings dialog", boxes[2].grab()),
              ("Dialog", boxes[3].grab())]
    window.close()
    palette = app.palette()
    return compose(pieces, palette.color(palette.ColorRole.Window).darker(130),
                   palette.color(palette.ColorRole.WindowText))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/work/notes/shots/e11c", type=Path)
    parser.add_argument("--theme", choices=THEMES, action="append")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    for theme in args.theme or THEMES:
        path = args.out / f"theme-{theme}.png"
        sheet(app, theme).save(str(path))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
