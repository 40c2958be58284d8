"""The order ticket: opens ticket windows and keeps each one's quote, rules and estimate current.

A ticket opens from the watchlist or positions (Orders > Buy/Sell, hotkeys B and S on the
selected row), as the orders table's edit dialog (Modify), or from any caller with
:meth:`TicketPresenter.open_ticket`. Each window holds its contract's quotes in the feed while
open (live bid/ask, marked when delayed), asks the broker for the contract's rules (order
types, TIFs, increments, default size), pre-fills prices from the quote, shows the market
session beside the symbol and the estimated order value with its share of net liquidation.
Send runs ``ticket_send.TicketSender``. The order-question policy of the current mode is
applied through IBKR's suppression whenever the account (and so the mode) is known; the
question and limits settings pages open from the Orders menu.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from ibkr_desktop.app import log
from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.presenters.ticket_send import (
    FIELDS_REFUSED,
    TicketSender,
    auto_confirmed,
    check_ticket,
)
from ibkr_desktop.app.presenters.ticket_window import TicketWindow
from ibkr_desktop.app.settings import Keys, order_limits
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.client.quote_feed import QuoteBatch, QuoteFeed
from ibkr_desktop.client.tasks import TaskSet
from ibkr_desktop.protocol.events import AccountsInfo, PnlUpdate
from ibkr_desktop.protocol.limits import Limits
from ibkr_desktop.protocol.market_session import us_session
from ibkr_desktop.protocol.order_kinds import Side
from ibkr_desktop.protocol.orders import OrderTicket
from ibkr_desktop.protocol.ticket_form import working_order
from ibkr_desktop.widgets.limits_page import LimitsPage
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog
from ibkr_desktop.widgets.question_policy import QuestionPolicyDialog

_log = log.get("app.ticket")


class TicketPresenter(QObject):
    """Order tickets for the current broker.

    Signals:
        ticket_opened(OrderTicketDialog): a ticket window was opened.
    """

    ticket_opened = Signal(object)

    def __init__(self, holder: BrokerHolder, feed: QuoteFeed, notifier: Notifier,
                 window: MainWindow, parent: QObject | None = None, *,
                 now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        super().__init__(parent)
        self._now_ms = now_ms
        self._holder, self._feed, self._notifier, self._window = holder, feed, notifier, window
        self.steps = TicketSender(notifier, self)
        self.tickets: list[TicketWindow] = []
        self._net_liquidation: float | None = None
        self._tasks = TaskSet(_log)
        window.ticket_requested.connect(self.open_from_selection)
        window.question_policy_requested.connect(self.open_question_policy)
        window.limits_requested.connect(self.open_limits)
        window.orders_table.modify_requested.connect(self.open_modify)
        holder.broker_changed.connect(self._wire)

    def _wire(self, broker: Broker | None) -> None:
        self._net_liquidation = None
        if broker is not None:
            broker.accounts_changed.connect(self._apply_question_policy)
            broker.pnl_updated.connect(self._on_pnl)

    def _apply_question_policy(self, _info: AccountsInfo | None) -> None:
        broker = self._holder.broker
        if broker is not None:
            broker.set_suppressed_questions(auto_confirmed(broker.mode))

    def open_question_policy(self) -> QuestionPolicyDialog:
        """Orders > Order questions: the per-id policy page (stored and applied on OK)."""
        dialog = QuestionPolicyDialog(Keys.QUESTIONS_PAPER.get(), Keys.QUESTIONS_LIVE.get(),
                                      self._window)
        dialog.saved.connect(self._policy_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_limits(self) -> LimitsPage:
        """Orders > Order limits: the user's own caps for paper and live (stored on OK; every
        order check reads them afresh)."""
        page = LimitsPage(order_limits("PAPER"), order_limits("LIVE"), self._window)
        page.saved.connect(self._limits_saved)
        page.finished.connect(page.deleteLater)
        page.open()
        return page

    def _limits_saved(self, paper: Limits, live: Limits) -> None:
        Keys.LIMITS_PAPER.set(paper.to_json())
        Keys.LIMITS_LIVE.set(live.to_json())
        self._notifier.post("info", "Order limits saved")

    def _policy_saved(self, paper: dict[str, str], live: dict[str, str]) -> None:
        Keys.QUESTIONS_PAPER.set(paper)
        Keys.QUESTIONS_LIVE.set(live)
        self._apply_question_policy(None)

    def _on_pnl(self, rows: tuple[PnlUpdate, ...]) -> None:
        broker = self._holder.broker
        for row in rows:
            if row.net_liquidity is not None and (broker is None or
                                                  row.account == broker.selected_account):
                self._net_liquidation = row.net_liquidity

    # -- opening --------------------------------------------------------------------------------

    def open_from_selection(self, side: str) -> None:
        """B/S ("BUY"/"SELL"): a ticket for the selected row of the positions table when it
        has the focus, else of the watchlist."""
        positions = self._window.positions_table
        rows = positions.selected_rows() if positions.hasFocus() else []
        if rows:
            model = positions.source
            conid = model.keys()[rows[0]]
            symbol = model.record(rows[0]).get("symbol") or conid
            self.open_ticket(int(str(conid)), str(symbol), Side(side))
            return
        panel = self._window.watchlist
        rows = panel.table.selected_rows()
        if not rows:
            self._notifier.post("info", "Select a symbol in the watchlist or positions to "
                                "trade it (B buys, S sells)")
            return
        item = panel.model.items()[rows[0]]
        self.open_ticket(item.conid, item.symbol, Side(side))

    def open_modify(self, order_id: int) -> OrderTicketDialog | None:
        """The edit dialog of a working order from the orders table, pre-filled (quantity =
        the order's total, filled part included, as IBKR's modify wants it)."""
        model = self._window.orders_table.source
        row = model.row_of(order_id)
        record = model.record(row) if row is not None else {}
        order = working_order(record)
        if order is None:
            self._notifier.post("warning", f"Order {order_id} cannot be modified from here: "
                                "its contract, side or type is not known yet")
            return None
        return self.open_ticket(order.conid, str(record.get("symbol") or order.conid),
                                order.side, modify=(order_id, order))

    def open_ticket(self, conid: int, symbol: str, side: Side, *,
                    modify: tuple[int, OrderTicket] | None = None) -> OrderTicketDialog:
        """Open a ticket window for ``conid`` (or the edit dialog of ``modify``: order id and
        the order as it works now); it fetches its rules and streams its quote."""
        dialog = OrderTicketDialog(self._window)
        ticket = TicketWindow(dialog, self._feed.open(lambda b: self._on_quotes(ticket, b),
                                                      f"order ticket {symbol}"))
        broker = self._holder.broker
        if broker is not None:
            dialog.fields.set_accounts(broker.accounts, broker.selected_account)
        self.tickets.append(ticket)
        for fields in (dialog.fields, dialog.oca_fields):
            fields.edited.connect(lambda: self._edited(ticket))
        dialog.submit_requested.connect(lambda: self._submit(ticket))
        dialog.closed.connect(lambda: self._closed(ticket))
        if modify is not None:
            dialog.open_modify(modify[0], modify[1], symbol)
            self._follow_order(ticket, broker)
        else:
            dialog.open_for(conid, symbol, side)
        ticket.quotes.hold({conid: symbol})
        self._show_session(dialog)
        self._show_position(dialog)
        self._load_rules(ticket)
        dialog.fields.side.currentIndexChanged.connect(lambda: self._load_rules(ticket))
        self.ticket_opened.emit(dialog)
        return dialog

    def _load_rules(self, ticket: TicketWindow) -> None:
        """Ask for the rules of the ticket's contract and side (IBKR's rules are per side)."""
        broker = self._holder.broker
        if broker is not None:
            fields = ticket.dialog.fields
            self._tasks.spawn(self._apply_rules(broker, ticket, fields.conid,
                                                fields.form().side),
                              name=f"rules-{fields.conid}")

    async def _apply_rules(self, broker: Broker, ticket: TicketWindow, conid: int,
                           side: Side) -> None:
        rules = await broker.contract_rules(conid, side is Side.BUY)
        if (rules is None or ticket not in self.tickets
                or ticket.dialog.fields.form().side is not side):  # a later answer will come
            return
        ticket.rules = rules
        ticket.dialog.fields.set_rules(rules)
        ticket.dialog.oca_fields.set_rules(rules)
        ticket.prefill()

    def _follow_order(self, ticket: TicketWindow, broker: Broker | None) -> None:
        """A modify ticket follows its order's live record: its status, and once the order is
        done Modify is disabled (there is nothing left to change)."""
        if broker is None or ticket.dialog.modify_id is None:
            return
        orders = broker.orders
        orders.record_changed.connect(ticket.follow)

        def unfollow() -> None:
            if shiboken6.isValid(orders):  # not when that broker is gone already
                orders.record_changed.disconnect(ticket.follow)

        ticket.unfollow = unfollow
        record = orders.record(ticket.dialog.modify_id)
        if record is not None:
            ticket.follow(record)

    def _closed(self, ticket: TicketWindow) -> None:
        if ticket in self.tickets:
            self.tickets.remove(ticket)
            if ticket.unfollow is not None:
                ticket.unfollow()
            ticket.quotes.close()
            ticket.dialog.deleteLater()

    # -- live values ----------------------------------------------------------------------------

    def _on_quotes(self, ticket: TicketWindow, batch: QuoteBatch) -> None:
        for values in batch.values():
            ticket.quote.update(values)
        ticket.dialog.set_quote(ticket.quote)
        ticket.prefill()
        ticket.dialog.set_estimate(ticket.estimate(self._net_liquidation))
        self._show_position(ticket.dialog)

    def _show_position(self, dialog: OrderTicketDialog) -> None:
        """The selected account's position in the ticket's contract (the positions table's)."""
        positions = self._window.positions_table.source
        row = positions.row_of(dialog.fields.conid)
        held = positions.record(row).get("quantity") if row is not None else None
        dialog.set_position(float(held) if isinstance(held, int | float) else None)

    def _show_session(self, dialog: OrderTicketDialog) -> None:
        broker = self._holder.broker
        if broker is not None and broker.mode == "DEMO":
            dialog.set_session("· demo market, always open",
                               "The built-in demo gateway trades at any hour.")
            return
        now = us_session(self._now_ms())
        dialog.set_session(f"· {now.session}", f"{now.text}; outside regular hours an order "
                           "needs 'Allow outside regular trading hours'.")

    def _edited(self, ticket: TicketWindow) -> None:
        ticket.dialog.set_estimate(ticket.estimate(self._net_liquidation))
        self._show_session(ticket.dialog)
        if ticket.checked:  # after a first Send, problems clear as they are corrected
            _tickets, problems, second = check_ticket(ticket.dialog, ticket.rules,
                                                      ticket.market())
            ticket.dialog.show_problems(problems, second)
            if not (problems or second) and ticket.dialog.status.text() == FIELDS_REFUSED:
                ticket.dialog.set_status("")

    # -- sending --------------------------------------------------------------------------------

    def _submit(self, ticket: TicketWindow) -> None:
        broker = self._holder.broker
        if ticket.busy:
            return
        if broker is None:
            ticket.dialog.set_status("Not sent: not connected to a gateway.")
            return
        ticket.busy = ticket.checked = True
        ticket.dialog.set_busy(True)
        self._tasks.spawn(self._send(broker, ticket), name="send-order")

    async def _send(self, broker: Broker, ticket: TicketWindow) -> None:
        try:
            await self.steps.send(broker, ticket.dialog, ticket.rules, ticket.market())
        finally:
            ticket.busy = False
            if shiboken6.isValid(ticket.dialog):  # not when the app closed while it was sending
                ticket.dialog.set_busy(False)
                record = (broker.orders.record(ticket.dialog.modify_id)
                          if ticket.dialog.modify_id is not None else None)
                if record is not None and record.done:  # it ended while the modify was asked
                    ticket.follow(record)

