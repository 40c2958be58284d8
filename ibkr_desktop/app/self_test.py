"""``ibkr-desktop --self-test``: the app's own check, through its real widgets, on the demo.

The app runs offscreen on its embedded demo gateway (open around the clock; its clock starts in
regular hours, ``embedded.self_test_config``, so live chart bars form) and does what a
trader does, one printed line per step: waits for quotes; opens the ticket from the watchlist;
places a limit order away from the market, answering the confirmation and IBKR's questions;
sees it in the orders panel; modifies it (the panel's edit dialog); cancels it (the panel's
confirmation); places a marketable order; sees the fill in executions and in the notifier;
opens the symbol's chart from the watchlist and sees its newest bar move with live ticks.
Each step has a time limit; the first that fails ends the run with its number as exit code.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit

from ibkr_desktop.app.presenters.ticket_window import TicketWindow
from ibkr_desktop.app.startup import App
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.protocol.order_kinds import OrderStatus, OrderType
from ibkr_desktop.widgets.confirm_dialog import ConfirmDialog
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.question_dialog import QuestionDialog

STEP_TIMEOUT_S = 30.0
"""Time limit of one step (the demo answers in milliseconds; this is for a loaded machine)."""

PLACED = re.compile(r"Placed order (\d+)")
"""How the ticket says an order (or a change) is with IBKR (``PlacementOutcome.summary``)."""

AWAY_FROM_MARKET = 0.9
"""The resting limit order's price as a share of the bid (IBKR asks about it: o163)."""


def verdict(code: int, steps: int, errors: int, kept: str) -> str:
    """The run's last line: ``SELF-TEST OK (9 steps)``, or FAILED with the step (``code`` is
    its number) or the count of ``errors`` reported (``code`` is ``steps + 1``) and where the
    scratch profile and log were ``kept``."""
    if code == 0:
        return f"SELF-TEST OK ({steps} steps)"
    why = f"at step {code}" if code <= steps else f"{errors} error(s) reported"
    return f"SELF-TEST FAILED: {why}; profile and log kept in {kept}"


class StepFailed(Exception):
    """A step saw something other than what the user should see."""


@dataclass(slots=True)
class _Order:
    """What the run learnt about the resting order."""

    conid: int = 0
    symbol: str = ""
    order_id: int = 0
    price: float = 0.0


class SelfTest:
    """The steps, run in order against a built, connected app.

    Args:
        app: the app (``startup.build``), connecting or connected to its demo gateway.
        out: where each line goes (``print``).
        timeout_s: time limit of each step.
    """

    def __init__(self, app: App, out: Callable[[str], object],
                 timeout_s: float = STEP_TIMEOUT_S) -> None:
        self.app = app
        self.out = out
        self.timeout_s = timeout_s
        self.order = _Order()
        self.questions: list[str] = []
        """Message ids of the IBKR questions answered so far."""
        self.notices: list[Notice] = []
        app.notifier.notice.connect(self.notices.append)
        app.presenters.ticket.steps.dialog_shown.connect(self._answer)

    @property
    def steps(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        """(name, step) in order; each step returns what it saw."""
        return [("quotes", self.quotes), ("open ticket", self.open_ticket),
                ("limit order", self.limit_order), ("orders panel", self.orders_panel),
                ("modify", self.modify), ("cancel", self.cancel),
                ("market order", self.market_order), ("fill", self.fill),
                ("chart", self.chart)]

    async def run(self) -> int:
        """Run every step; 0 when all passed, else the number of the step that failed.

        Prints the step lines only: the verdict (:func:`verdict`) is the caller's last line,
        once the app has shut down and its errors are counted.
        """
        steps = self.steps
        for number, (name, step) in enumerate(steps, start=1):
            head = f"[{number}/{len(steps)}] {name}"
            try:
                seen = await asyncio.wait_for(step(), self.timeout_s)
            except TimeoutError:
                self.out(f"{head}: FAILED (nothing after {self.timeout_s:.0f} s)")
                return number
            except StepFailed as exc:
                self.out(f"{head}: FAILED ({exc})")
                return number
            self.out(f"{head}: ok — {seen}")
        return 0

    # -- steps ------------------------------------------------------------------------------

    async def quotes(self) -> str:
        model = self.app.watchlist
        await _until(lambda: self._quoted_row() is not None)
        row = self._quoted_row()
        assert row is not None
        item = model.items()[row]
        self.order.conid, self.order.symbol = item.conid, item.symbol
        record = model.record(row)
        return f"{item.symbol} bid {record['bid']} ask {record['ask']}"

    async def open_ticket(self) -> str:
        ticket = await self._ticket_from_watchlist()
        quote = re.sub(r"<[^>]+>", "", ticket.dialog.quote.text())  # the label's bold tags
        return f"{ticket.dialog.windowTitle()}; {quote}"

    async def limit_order(self) -> str:
        ticket = self.app.presenters.ticket.tickets[-1]
        market = ticket.market()
        if market is None or not market.bid:
            raise StepFailed("the ticket has no bid")
        price = round(market.bid * AWAY_FROM_MARKET, 2)
        fields = ticket.dialog.fields
        _type(fields.edits["quantity"], "1")
        _type(fields.edits["limit"], f"{price:.2f}")
        order_id = await self._send(ticket)
        self.order.order_id, self.order.price = order_id, price
        asked = ", ".join(self.questions) or "none"
        return f"order {order_id}: buy 1 {self.order.symbol} limit {price:.2f}; questions {asked}"

    async def orders_panel(self) -> str:
        table = self.app.window.orders_table
        await _until(lambda: self._order_row() is not None
                     and self.app.orders.is_cancellable(self._order_row() or 0))
        row = self._order_row()
        assert row is not None
        return f"order {self.order.order_id} {table.status_text(row)}"

    async def modify(self) -> str:
        table = self._select_order()
        presenter = self.app.presenters.ticket
        before = len(presenter.tickets)
        table.ask_modify()
        await _until(lambda: len(presenter.tickets) > before
                     and presenter.tickets[-1].rules is not None)
        ticket = presenter.tickets[-1]
        if ticket.dialog.modify_id != self.order.order_id:
            raise StepFailed(f"the edit dialog is for order {ticket.dialog.modify_id}")
        price = round(self.order.price * 0.99, 2)
        _type(ticket.dialog.fields.edits["limit"], f"{price:.2f}")
        await self._send(ticket)
        await _until(lambda: self._shown_price() == price)
        self.order.price = price
        return f"order {self.order.order_id} now limit {price:.2f} in the orders panel"

    async def cancel(self) -> str:
        table = self._select_order()
        table.ask_cancel()
        box = table.confirmation
        if box is None:
            raise StepFailed("Cancel did not ask first")
        button = next((b for b in box.buttons() if b.text() == "Cancel order"), None)
        if button is None:
            raise StepFailed("the confirmation has no Cancel order button")
        button.click()
        await _until(lambda: self._order_status() is OrderStatus.CANCELLED)
        row = self._order_row()
        return f"order {self.order.order_id} {table.status_text(row or 0)}"

    async def market_order(self) -> str:
        ticket = await self._ticket_from_watchlist()
        fields = ticket.dialog.fields
        fields.order_type.setCurrentIndex(fields.order_type.findData(OrderType.MKT))
        _type(fields.edits["quantity"], "1")
        order_id = await self._send(ticket)
        self.order.order_id = order_id
        return f"order {order_id}: buy 1 {self.order.symbol} at market"

    async def fill(self) -> str:
        symbol = self.order.symbol
        fills = self.app.fills
        await _until(lambda: any(fills.record(r).get("symbol") == symbol
                                 for r in range(fills.rowCount())))
        await _until(lambda: self._fill_notice() is not None)
        notice = self._fill_notice()
        assert notice is not None
        return f"executions show {symbol}; notifier: {notice.title}: {notice.text}"

    async def chart(self) -> str:
        row = self.app.watchlist.row_of(self.order.conid)
        if row is None:
            raise StepFailed(f"{self.order.symbol} left the watchlist")
        panel = self.app.window.watchlist
        panel.table.select_row(row)
        panel.request_chart()  # as a double-click or Ctrl+G does
        charts = self.app.presenters.charts
        window, model = charts.windows.get(self.order.conid), charts.models.get(self.order.conid)
        if window is None or model is None:
            raise StepFailed(f"no chart window opened for {self.order.symbol} (see the log)")
        await _until(lambda: len(model.series) > 1 and not model.loading
                     and window.readout.text())
        before = window.readout.text()
        newest = model.series.bar(-1), len(model.series)

        def moved() -> bool:
            if model.closed_until:
                raise StepFailed("live ticks come outside the US session, so the chart builds "
                                 "no bar from them (is the demo clock at night?)")
            return (model.series.bar(-1), len(model.series)) != newest

        await _until(moved)  # a live trade folded into the newest bar, or a new bar begun
        return (f"{window.windowTitle()}: {len(model.series)} bars; live bar moved; newest bar "
                f"{before} -> {window.readout.text()}")

    # -- helpers ----------------------------------------------------------------------------

    async def _ticket_from_watchlist(self) -> TicketWindow:
        """Select the symbol in the watchlist and use Orders > Buy, as the user does."""
        presenter = self.app.presenters.ticket
        row = self.app.watchlist.row_of(self.order.conid)
        if row is None:
            raise StepFailed(f"{self.order.symbol} left the watchlist")
        self.app.window.watchlist.table.select_row(row)
        before = len(presenter.tickets)
        self.app.window.ticket_requested.emit("BUY")
        await _until(lambda: len(presenter.tickets) > before)
        ticket = presenter.tickets[-1]
        await _until(lambda: ticket.rules is not None and ticket.market() is not None)
        return ticket

    async def _send(self, ticket: TicketWindow) -> int:
        """Click Send; the dialogs are answered as they open; returns the order id placed."""
        ticket.dialog.send_button.click()
        if not ticket.busy:
            raise StepFailed(f"the ticket did not send: {ticket.dialog.status.text()}")
        await _until(lambda: not ticket.busy)
        text = ticket.dialog.status.text()
        placed = PLACED.search(text)
        if placed is None:
            raise StepFailed(f"the ticket says: {text}")
        ticket.dialog.close()
        return int(placed.group(1))

    def _answer(self, dialog: QDialog) -> None:
        """Answer like a user: transmit at the confirmation, confirm IBKR's questions."""
        if isinstance(dialog, QuestionDialog):
            self.questions += dialog.question.message_ids
            QTimer.singleShot(0, dialog.confirm_button.click)
        elif isinstance(dialog, ConfirmDialog):
            QTimer.singleShot(0, dialog.transmit_button.click)
        else:
            QTimer.singleShot(0, dialog.reject)  # a limits breach: the run's order is wrong

    def _quoted_row(self) -> int | None:
        model = self.app.watchlist
        for row in range(model.rowCount()):
            record = model.record(row)
            if isinstance(record.get("bid"), float) and isinstance(record.get("ask"), float):
                return row
        return None

    def _select_order(self) -> OrdersTable:
        """Select the run's resting order in the orders panel, as a click does."""
        row = self._order_row()
        if row is None:
            raise StepFailed("the order left the orders panel")
        table = self.app.window.orders_table
        table.select_row(row)
        return table

    def _order_row(self) -> int | None:
        return self.app.orders.row_of(self.order.order_id)

    def _order_status(self) -> OrderStatus | None:
        row = self._order_row()
        return None if row is None else OrderStatus.parse(self.app.orders.record(row).get(
            "status"))

    def _shown_price(self) -> float | None:
        row = self._order_row()
        price = None if row is None else self.app.orders.record(row).get("price")
        return round(price, 2) if isinstance(price, float) else None

    def _fill_notice(self) -> Notice | None:
        return next((n for n in self.notices if n.title in ("Order filled", "Partial fill")
                     and self.order.symbol in n.text), None)


def _type(edit: QLineEdit, text: str) -> None:
    """Replace a field's text by typing into it, as a user does."""
    edit.setFocus()
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(edit, text)


async def _until(predicate: Callable[[], object], step_s: float = 0.05) -> None:
    """Wait on the running loop until ``predicate()`` is true (the step's timeout bounds it)."""
    while not predicate():
        await asyncio.sleep(step_s)
