"""The status bar's message line and which notices pop up."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette, QTextDocument

from ibkr_desktop.client.notices import Notice
from ibkr_desktop.widgets.status_bar import MessageLine
from ibkr_desktop.widgets.tray import pops_up


def visible_text(line: MessageLine) -> str:
    doc = QTextDocument()
    doc.setHtml(line.text())
    return doc.toPlainText()


def test_each_severity_has_its_icon_and_colour(qtbot) -> None:
    """Info, warning and error read differently: icon first, warnings and errors coloured
    (darker shades on a light theme, to stay readable)."""
    line = MessageLine()
    qtbot.addWidget(line)
    line.setPalette(QPalette(QColor("#0d1117")))  # dark theme's window
    line.show_notice(Notice("info", "Exported 10 rows to /tmp/w.csv"))
    assert visible_text(line) == "ℹ Exported 10 rows to /tmp/w.csv"
    assert line.toolTip() == "Exported 10 rows to /tmp/w.csv"
    line.show_notice(Notice("warning", "Export failed: No such file or directory"))
    assert visible_text(line).startswith("⚠ Export failed") and "#d29922" in line.text()
    line.show_notice(Notice("error", "The gateway's certificate changed. <b>Refused</b>"))
    assert visible_text(line) == "✖ The gateway's certificate changed. <b>Refused</b>"
    assert "#f85149" in line.text() and line.level == "error"
    line.setPalette(QPalette(QColor("#f6f8fa")))  # light theme's window
    line.show_notice(Notice("error", "Refused"))
    assert "#cf222e" in line.text() and "#f85149" not in line.text()


def test_a_message_clears_after_its_timeout(qtbot) -> None:
    """The line empties on its own (waiting on the widget, not a fixed sleep)."""
    line = MessageLine()
    qtbot.addWidget(line)
    line.show_notice(Notice("info", "Added NFLX"))
    line._expire.setInterval(10)
    line._expire.start()
    qtbot.waitUntil(lambda: line.text() == "", timeout=2000)
    assert line.level == "" and line.toolTip() == ""


def test_a_warning_is_not_wiped_by_a_lesser_notice_at_once(qtbot) -> None:
    """An info right after a warning waits until the warning was up for its minimum time;
    a notice as severe or worse replaces it at once."""
    line = MessageLine(min_shown_ms=200)
    qtbot.addWidget(line)
    line.show_notice(Notice("warning", "QQQ gets no quotes"))
    line.show_notice(Notice("info", "Connecting"))
    line.show_notice(Notice("info", "Connected (DU1234567)."))
    assert "QQQ gets no quotes" in visible_text(line) and line.level == "warning"
    qtbot.waitUntil(lambda: line.level == "info", timeout=3000)
    assert visible_text(line) == "ℹ Connected (DU1234567)."
    line.show_notice(Notice("error", "Certificate changed"))
    line.show_notice(Notice("error", "Order refused"))
    assert visible_text(line) == "✖ Order refused"


def test_titled_notices_and_errors_pop_up_plain_info_stays_in_the_bar() -> None:
    """Fills (titled) and errors pop up (desktop notification or toast, tests/app/test_tray.py);
    plain info stays in the status bar."""
    assert pops_up(Notice("info", "BUY 7 MSFT @ 425.50", title="Order filled"))
    assert pops_up(Notice("error", "Certificate changed"))
    assert not pops_up(Notice("info", "Added NFLX"))
    assert not pops_up(Notice("warning", "Export failed: disk full"))


def test_a_long_notice_in_a_narrow_line_ends_in_an_ellipsis(qtbot) -> None:
    """Squeezed by the doctor (a small window, the gateway unreachable), the words end in "…"
    instead of stopping mid-address ("The gateway at https://12"); widened, they are whole."""
    line = MessageLine()
    qtbot.addWidget(line)
    text = ("The gateway at https://127.0.0.1:5000 is not reachable: Connection refused "
            "(errno 111 ECONNREFUSED). Is it running? Retrying…")
    line.show_notice(Notice("warning", text))
    line.resize(160, 24)
    line.show()
    qtbot.waitExposed(line)
    shown = line.shown_text()
    assert shown.startswith("⚠ The gateway") and shown.endswith("…") and shown != f"⚠ {text}"
    assert text.startswith(shown[2:-1])
    assert line.fontMetrics().horizontalAdvance(shown) <= line.contentsRect().width()
    assert line.toolTip() == text
    line.resize(line.fontMetrics().horizontalAdvance(f"⚠ {text}") + 20, 24)
    qtbot.waitUntil(lambda: line.shown_text() == f"⚠ {text}", timeout=2000)
    line.clear_message()
    assert line.shown_text() == ""
