"""The order journal window on the demo gateway: what was asked, answered and filled, in order,
filtered, exported to CSV."""

from __future__ import annotations

import csv

import pytest

from ibkr_desktop.app.startup import App
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket, OrderType, Side
from ibkr_desktop.widgets.journal_window import JournalWindow
from tests.app.conftest import running_app, shows
from tests.helpers import wait_until

MSFT = 272093
pytestmark = pytest.mark.qt_log_ignore("does not support raise")  # offscreen cannot raise windows


async def _yes(question: OrderQuestion) -> bool:
    return True


def _open_from_the_menu(app: App) -> JournalWindow:
    """Orders > Order journal…, as the user opens it."""
    orders = next(a.menu() for a in app.window.menu_bar.actions() if a.text() == "&Orders")
    next(a for a in orders.actions() if a.text() == "Order &journal…").trigger()
    view = app.presenters.journal.view
    assert view is not None
    return view


async def test_journal_shows_an_order_from_intent_to_fill_and_exports_it(qapp,
                                                                         tmp_path) -> None:
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None and app.broker.journal is not None
        view = _open_from_the_menu(app)
        assert view.isVisible() and view.model.rowCount() == 0
        outcome = await app.broker.orders.place(OrderTicket(MSFT, Side.BUY, 4, OrderType.MKT),
                                                _yes)
        assert outcome.placed, outcome.summary
        coid = outcome.accepted[0].coid
        # the window follows the journal by itself while open (the stream's fill may come
        # before or after the placement's response: both are shown, as they happened)
        def kinds() -> list[str]:
            return [str(view.model.record(r)["kind"]) for r in range(view.model.rowCount())]

        await wait_until(lambda: {"intent", "response", "fill"} <= set(kinds()), 10)
        await wait_until(lambda: len(kinds()) == len(app.broker.journal.entries()), 5)
        shown = kinds()
        assert shown[-1] == "intent"  # newest on top, the intent first of all
        assert all(view.model.record(r)["coid"] == coid for r in range(view.model.rowCount()))
        assert view.count.text() == f"{len(shown)} events"
        view.filter.setText("fill")
        assert 1 <= len(view.visible_texts()) < len(shown)
        assert all("fill" in t.lower() or "MSFT" in t for t in view.visible_texts())
        assert view.count.text().endswith(f"of {len(shown)} events")
        view.filter.clear()

        path = tmp_path / "journal.csv"
        view.export_requested.emit(str(path))
        said = await shows(app, "Exported")
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert f"Exported {len(rows)} journal events" in said
        # oldest first in the file (a later status update may have been written since)
        assert [r["kind"] for r in rows][:len(shown)] == list(reversed(shown))
        assert rows[0]["coid"] == coid and rows[0]["time_utc"].endswith("+00:00")


async def test_export_failure_is_said_in_words(qapp, tmp_path) -> None:
    async with running_app(qapp) as app:
        journal = app.presenters.journal
        assert journal.export_to(str(tmp_path / "missing" / "folder" / "j.csv")) == 0
        await shows(app, "Journal export failed")


async def test_reset_demo_account_asks_then_starts_account_and_journal_afresh(qapp) -> None:
    """File > Reset demo account…: Keep changes nothing; Reset empties the demo journal and the
    executions, and the app is connected to the fresh account again."""
    async with running_app(qapp) as app:
        await wait_until(lambda: app.account.account, 8)
        assert app.broker is not None and app.window.reset_demo_action.isEnabled()
        outcome = await app.broker.orders.place(OrderTicket(MSFT, Side.BUY, 4, OrderType.MKT),
                                                _yes)
        assert outcome.placed
        await wait_until(lambda: app.fills.rowCount() == 1, 8)
        assert app.broker.journal is not None and app.broker.journal.entries()
        presenter = app.presenters.demo_account
        app.window.reset_demo_action.trigger()
        assert presenter.confirmation is not None
        assert presenter.confirmation.text() == "Start the demo account afresh?"
        next(b for b in presenter.confirmation.buttons() if b.text() == "Keep").click()
        assert app.fills.rowCount() == 1 and app.broker.journal.entries()
        old = app.broker
        said: list[str] = []  # the notifier, not the message line: a later notice may replace
        app.notifier.notice.connect(lambda notice: said.append(notice.text))  # it at once
        app.window.reset_demo_action.trigger()
        next(b for b in presenter.confirmation.buttons() if b.text() == "Reset").click()
        await wait_until(lambda: any("The demo account was reset" in t for t in said), 30)
        assert app.broker is not None and app.broker is not old
        assert app.broker.journal is not None and app.broker.journal.entries() == []
        # the executions stay (dimmed) until the new broker names its account, then go
        await wait_until(lambda: app.broker is not None and app.broker.accounts, 8)
        await wait_until(lambda: app.fills.rowCount() == 0, 8)
        view = _open_from_the_menu(app)
        assert view.model.rowCount() == 0
