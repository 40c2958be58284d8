"""Small dialogs the presenters open: gateway help, certificate trust, About, error notices.

Always called from plain (non-coroutine) slots, because a modal ``exec()`` inside a running
qasync task would re-enter the loop.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ibkr_desktop.app.log import log_dir
from ibkr_desktop.app.settings import settings_file

GATEWAY_HELP = """<p><b>The app talks to IBKR through the Client Portal Gateway</b>, a small
program from Interactive Brokers that runs on your computer.</p>
<ol>
<li>Download it from IBKR (search for “Client Portal API gateway”) and unzip it.</li>
<li>Start it: <code>bin/run.sh root/conf.yaml</code> (Windows: <code>bin\\run.bat
root\\conf.yaml</code>). It needs Java 8 or newer.</li>
<li>Open <a href="{url}">{url}</a> in your browser and log in with your IBKR user.</li>
<li>Come back here: the status bar turns green within a few seconds.</li>
</ol>
<p>No IBKR account? Use the built-in <b>demo gateway</b>: simulated quotes, orders and fills.</p>
"""


def show_gateway_help(parent: QWidget, url: str) -> bool:
    """Explain how to start the gateway; True when the user chose the demo gateway instead."""
    box = QMessageBox(parent)
    box.setWindowTitle("Connect to IBKR")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(GATEWAY_HELP.format(url=url or "https://localhost:5000"))
    demo = box.addButton("Use the demo gateway", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    return box.clickedButton() is demo


def ask_trust_certificate(parent: QWidget, info: object) -> str | None:
    """Trust-on-first-use prompt for a local gateway's self-signed certificate."""
    fingerprint = str(getattr(info, "fingerprint", ""))
    host = f"{getattr(info, 'host', '?')}:{getattr(info, 'port', '?')}"
    answer = QMessageBox.question(
        parent, "Trust the gateway's certificate?",
        f"The gateway at {host} uses a self-signed certificate.\n\nSHA-256 fingerprint:\n"
        f"{fingerprint}\n\nTrust it only if this is your own Client Portal Gateway. The app "
        "will refuse a different certificate later.")
    return fingerprint if answer == QMessageBox.StandardButton.Yes and fingerprint else None


def show_about(parent: QWidget) -> None:
    """Version, where settings and logs live."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("ibkr-desktop")
    except PackageNotFoundError:
        ver = "development"
    QMessageBox.about(parent, "About ibkr-desktop",
                      f"<b>ibkr-desktop</b> {ver}<br>A desktop client for the IBKR Client Portal "
                      f"Web API.<br><br>Settings: {settings_file()}<br>Logs: {log_dir()}")


def notice_dialog(parent: QWidget, level: str, text: str) -> QMessageBox:
    """A notice the user must acknowledge, shown window-modal without blocking the loop.

    ``open()`` rather than ``exec()``: it can be shown from any slot or coroutine.
    """
    icon = QMessageBox.Icon.Critical if level == "error" else QMessageBox.Icon.Warning
    box = QMessageBox(icon, "ibkr-desktop", text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("noticeDialog")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
