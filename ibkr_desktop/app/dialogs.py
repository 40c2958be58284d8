"""Small dialogs the presenters open: gateway help, certificate trust, About, error notices.

Always called from plain (non-coroutine) slots, because a modal ``exec()`` inside a running
qasync task would re-enter the loop.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ibkr_desktop.app.log import log_dir
from ibkr_desktop.app.settings import settings_file

REAL_GATEWAY_URL = "https://localhost:5000"
"""Where IBKR's Client Portal Gateway listens out of the box (its login page too)."""

_START_GATEWAY = """<li>Download IBKR's <b>Client Portal Gateway</b> (search for “Client Portal API
gateway” on interactivebrokers.com) and unzip it. It needs Java 8 or newer.</li>
<li>Start it: <code>bin/run.sh root/conf.yaml</code> (Windows: <code>bin\\run.bat
root\\conf.yaml</code>).</li>
<li>Open <a href="{url}">{url}</a> in your browser and log in with your IBKR user name and
password (and your second factor). Keep the gateway running while you use the app.</li>"""

GATEWAY_HELP = f"""<p><b>The app talks to IBKR through the Client Portal Gateway</b>, a small
program from Interactive Brokers that runs on your computer.</p>
<ol>
{_START_GATEWAY}
<li>Come back here: the status bar turns green within a few seconds.</li>
</ol>
<p>No IBKR account? Use the built-in <b>demo gateway</b>: simulated quotes, orders and fills.</p>
"""

DEMO_HELP = f"""<p><b>You are using the built-in demo gateway.</b> It needs no login and no IBKR
account: quotes, orders and fills are simulated on this computer.</p>
<p>To use your IBKR account instead:</p>
<ol>
{_START_GATEWAY.format(url=REAL_GATEWAY_URL)}
<li>Here, choose <b>File → Settings…</b>, pick “IBKR Client Portal Gateway at”
<code>{REAL_GATEWAY_URL}</code> and press OK (or start the app with
<code>ibkr-desktop --gateway {REAL_GATEWAY_URL}</code>).</li>
</ol>
"""


def gateway_help_box(parent: QWidget, url: str, *, demo: bool) -> tuple[QMessageBox, object]:
    """The "How to connect" box for the mode in use, not shown yet.

    Args:
        url: the real gateway's address (its login page); ignored for the demo, whose own
            address is no place to log in.
        demo: the built-in demo gateway is in use.

    Returns:
        The box and its "Use the demo gateway" button (None on the demo).
    """
    box = QMessageBox(parent)
    box.setObjectName("gatewayHelp")
    box.setWindowTitle("How to connect to IBKR")
    box.setTextFormat(Qt.TextFormat.RichText)
    demo_button = None
    if demo:
        box.setText(DEMO_HELP)
    else:
        box.setText(GATEWAY_HELP.format(url=url or REAL_GATEWAY_URL))
        demo_button = box.addButton("Use the demo gateway", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    return box, demo_button


def show_gateway_help(parent: QWidget, url: str, *, demo: bool) -> bool:
    """Explain how to connect in the mode in use; True when the user chose the demo gateway."""
    box, demo_button = gateway_help_box(parent, url, demo=demo)
    box.exec()
    return demo_button is not None and box.clickedButton() is demo_button


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
