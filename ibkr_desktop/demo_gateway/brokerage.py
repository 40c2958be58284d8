"""The paper brokerage of the demo gateway: the one facade over accounts, orders and fills.

GATEWAY-CORE owns the server, sessions and market; it hands this facade the market simulator
and instrument universe, calls :meth:`Brokerage.on_market` on every tick, registers the
brokerage HTTP routes through :meth:`Brokerage.register_routes`, and forwards what
:meth:`Brokerage.add_listener` callbacks receive to the ``sor``/``str``/``spl`` WebSocket
topics. Everything runs on the gateway's event loop; nothing here blocks or sleeps.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .accounts import DEFAULT_STARTING_CASH
from .brokerage_error import BrokerageError
from .order_book import OrderBook
from .order_desk import OrderDesk
from .order_views import live_order, trade
from .orders import (
    Contract,
    Execution,
    Order,
    Quote,
    closing_auction,
    match,
    reference_price,
    working_status,
)
from .portfolio import Portfolio
from .questions import ReplyBook

log = logging.getLogger("ibkr_desktop.demo_gateway.brokerage")

Listener = Callable[[str, Any], None]
"""``cb(topic, payload)``: ``"sor"`` list of items, ``"str"`` list of trades, ``"spl"`` dict."""

SPL_INTERVAL_MS = 1_000
DAY_MS = 86_400_000
_VENUES = {"NASDAQ.NMS": ("ISLAND", "NASDAQ", "BATS", "IEX"), "NYSE": ("NYSE", "ARCA", "BATS")}
_DEFAULT_VENUES = ("ARCA", "BATS", "IEX", "EDGX")
TRADE_TIME_KEYS = ("trade_time", "trade_time_r")


def _wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Brokerage:
    """Paper accounts plus an order-matching engine, answering like IBKR.

    Args:
        market: The market simulator (``quote``, ``has_data``, ``is_rth``).
        universe: Instrument lookup (``get(conid)`` -> instrument or None).
        accounts: Paper account ids; the first is selected.
        clock: Epoch milliseconds now (injected so tests and the simulator agree on time).
        rng: Randomness for order/execution/reply ids and venues (seeded = reproducible).
        username: Shown as the ``submitter`` of executions.
        starting_cash: Opening cash of every account, in USD.
        opening_positions: conid -> quantity the first account holds from the prior day.
        positions_cache_ms: Age at which the ``/portfolio`` positions cache rebuilds itself.
    """

    def __init__(
        self,
        market: Any,
        universe: Any,
        accounts: Iterable[str] = ("DU1234567",),
        clock: Callable[[], int] = _wall_clock_ms,
        rng: random.Random | None = None,
        *,
        username: str = "demo_user",
        starting_cash: float = DEFAULT_STARTING_CASH,
        opening_positions: Mapping[int, float] | None = None,
        positions_cache_ms: int = 60_000,
    ) -> None:
        self._market = market
        self._universe = universe
        self._clock = clock
        self._rng = rng or random.Random()
        self._username = username
        self.portfolio = Portfolio(accounts, starting_cash, self.mark, self.contract, clock,
                                   positions_cache_ms)
        self.book = OrderBook(first_order_id=1_000_000_000 + self._rng.randrange(10**8))
        self.replies = ReplyBook(self._rng)
        self.executions: list[Execution] = []
        self.desk = OrderDesk(self)
        self._contracts: dict[int, Contract] = {}
        self._listeners: list[Listener] = []
        self._sent: dict[int, dict[str, Any]] = {}
        self._new_trades: list[dict[str, Any]] = []
        self._rth: bool | None = None
        self._last_spl: tuple[int, dict[str, Any]] | None = None
        self._filled_since_spl = False
        self.trim_trade_times = False
        """When True, trades (REST and ``str``) leave out ``trade_time``/``trade_time_r``, as a
        recorded list did (§11); the ``trim_trade_times`` fault switches it."""
        self._open_positions(opening_positions or {})

    def _open_positions(self, quantities: Mapping[int, float]) -> None:
        """Give the first account yesterday's positions, bought a little off the prior close.

        A demo user should see positions whose value and P&L move with the market from the
        first second, not an empty portfolio.
        """
        account = self.portfolio.account(self.portfolio.selected)
        for conid, quantity in quantities.items():
            if self._universe.get(conid) is None:
                continue
            prior_close = self._market.quote(conid).prior_close
            tick = self._market.quote(conid).tick_size or 0.01
            drift = self._rng.uniform(-0.08, 0.06)
            avg_price = round(prior_close * (1 + drift) / tick) * tick
            account.open_position(conid, quantity, round(avg_price, 4), prior_close)

    # -- wiring -------------------------------------------------------------------------

    def add_listener(self, cb: Listener) -> None:
        """Receive ``sor``/``str``/``spl`` payloads as they happen."""
        self._listeners.append(cb)

    def _emit(self, topic: str, payload: Any) -> None:
        for cb in list(self._listeners):
            try:
                cb(topic, payload)
            except Exception:  # a broken subscriber must not stop order matching
                log.exception("brokerage listener failed on %s", topic)

    def reset_session(self) -> None:
        """A new brokerage session: suppressions and pending replies cleared, orders re-primed."""
        self.replies.reset()
        self.desk.orders_primed = False

    # -- lookups ------------------------------------------------------------------------

    def contract(self, conid: int) -> Contract:
        """The instrument facts of ``conid`` (cached).

        Raises:
            BrokerageError: 400 when the universe does not know ``conid``.
        """
        contract = self._contracts.get(conid)
        if contract is None:
            instrument = self._universe.get(conid)
            if instrument is None:
                raise BrokerageError(f"Bad Request: contract {conid} not found", 400)
            contract = Contract(conid, instrument.symbol, instrument.name,
                                instrument.listing_exchange, instrument.sec_type)
            self._contracts[conid] = contract
        return contract

    def quote(self, conid: int) -> Quote | None:
        """The current quote of ``conid``, or None without market data."""
        return self._market.quote(conid) if self._market.has_data(conid) else None

    def now(self) -> int:
        """Epoch milliseconds on the brokerage's clock."""
        return self._clock()

    def is_rth(self, now_ms: int) -> bool:
        """True during regular trading hours (the market simulator decides)."""
        return bool(self._market.is_rth(now_ms))

    def mark(self, conid: int) -> float | None:
        """Valuation price of ``conid`` (last, else mid, else prior close)."""
        quote = self.quote(conid)
        return reference_price(quote) if quote is not None else None

    # -- matching -----------------------------------------------------------------------

    def on_market(self, conids: Iterable[int]) -> None:
        """Match working orders on the conids that just ticked, then publish changes.

        When regular trading hours end: the closing auction fills on-close orders, then DAY
        orders expire.
        """
        now = self._clock()
        rth = self._market.is_rth(now)
        if self._rth and not rth:
            self._close_session(now)
        self._rth = rth
        self.match_now(self.book.working(set(conids)), now)

    def expire_day_orders(self) -> None:
        """End the trading day now: closing auction, then every working DAY order expires."""
        now = self._clock()
        self._close_session(now)
        self.publish(now)

    def _close_session(self, now: int) -> None:
        """MOC/LOC fill at the close (:func:`~.orders.closing_auction`); DAY orders expire."""
        for order in self.book.working():
            quote = self.quote(order.conid)
            terms = closing_auction(order, quote) if quote is not None else None
            if terms is not None:
                self._execute(order, terms[0], terms[1], now)
        self.book.expire("DAY")

    def match_now(self, orders: list[Order], now: int) -> None:
        """Give ``orders`` a matching pass now (new/modified orders), then publish."""
        rth = self._market.is_rth(now)
        for order in orders:
            self._match(order, now, rth)
        self.publish(now)

    def _match(self, order: Order, now: int, rth: bool) -> None:
        quote = self.quote(order.conid)
        can_trade = rth or order.outside_rth
        before = (order.status, order.stop_price, order.limit_price, order.triggered)
        if quote is not None and order.active:
            terms = match(order, quote, can_trade)
            if terms is not None:
                self._execute(order, terms[0], terms[1], now)
        if order.active:
            order.status = working_status(order, can_trade)
            had_chance = quote is not None and can_trade and order.triggered and not order.held
            if order.tif == "IOC" and had_chance:
                self.book.cancel(order)
        if (order.status, order.stop_price, order.limit_price, order.triggered) != before:
            self.book.touch(order)

    def _execute(self, order: Order, size: float, price: float, now: int) -> None:
        commission = order.add_execution(size, price, now)
        self.portfolio.book_fill(order, size, price, commission)
        contract = self.contract(order.conid)
        venue = self._rng.choice(_VENUES.get(contract.exchange, _DEFAULT_VENUES))
        execution = Execution(
            execution_id=f"{self._rng.getrandbits(32):08x}.{now // 1000:08x}.01.01",
            order_id=order.order_id, account=order.account, conid=order.conid,
            side=order.side, size=size, price=price, time_ms=now, commission=commission,
            exchange=venue, order_ref=order.coid,
        )
        self.executions.append(execution)
        self._new_trades.append(self._trade_row(execution, stream=True))
        self.book.after_fill(order, size)
        self._filled_since_spl = True

    def publish(self, now: int) -> None:
        """Send the changed fields of touched orders, new executions and (throttled) P&L."""
        changes = []
        for order in self.book.drain_dirty():
            item = live_order(order, self.contract(order.conid), stream=True)
            sent = self._sent.get(order.order_id)
            if sent is None:
                changes.append(item)
            else:
                diff = {k: v for k, v in item.items() if sent.get(k) != v}
                if diff:
                    changes.append({"orderId": order.order_id, "acct": order.account, **diff})
            self._sent[order.order_id] = item
        if changes:
            self._emit("sor", changes)
        if self._new_trades:
            trades, self._new_trades = self._new_trades, []
            self._emit("str", trades)
        payload = self.pnl_payload()
        last = self._last_spl
        due = last is None or (now - last[0] >= SPL_INTERVAL_MS and payload != last[1])
        if self._filled_since_spl or due:
            self._filled_since_spl = False
            self._last_spl = (now, payload)
            self._emit("spl", payload)

    # -- snapshots (REST answers and WebSocket initial frames) ----------------------------

    def orders_snapshot(self, account_id: str, stream: bool = False) -> list[dict[str, Any]]:
        """Full live-order items of ``account_id``: working orders and today's finished ones.

        ``stream``: as ``sor`` items (numeric prices) instead of REST items.
        """
        since = self._clock() - DAY_MS
        return [
            live_order(o, self.contract(o.conid), stream) for o in self.book.orders(account_id)
            if o.active or (o.last_exec_ms or o.created_ms) >= since
        ]

    def trades_snapshot(self, account_id: str, days: int = 1,
                        stream: bool = False) -> list[dict[str, Any]]:
        """Executions of ``account_id`` in the last ``days`` (1-7) days, newest first.

        ``stream``: as ``str`` items (text conid) instead of REST items.
        """
        since = self._clock() - max(1, min(days, 7)) * DAY_MS
        return [
            self._trade_row(e, stream) for e in reversed(self.executions)
            if e.account == account_id and e.time_ms >= since
        ]

    def _trade_row(self, execution: Execution, stream: bool) -> dict[str, Any]:
        row = trade(execution, self.contract(execution.conid), self._username, stream)
        if self.trim_trade_times:
            for key in TRADE_TIME_KEYS:
                row.pop(key)
        return row

    def pnl_payload(self) -> dict[str, Any]:
        """``spl`` args: one ``"<acct>.Core"`` row per account, excess liquidity as ``uel``."""
        return self.portfolio.pnl("uel")

    def summary_rows(self, account_id: str) -> list[dict[str, Any]]:
        """``ssd`` result rows of ``account_id`` ([] for an unknown account)."""
        return self.portfolio.summary_rows(account_id)

    def ledger_rows(self, account_id: str) -> list[dict[str, Any]]:
        """``sld`` result rows of ``account_id`` ([] for an unknown account)."""
        return self.portfolio.ledger_rows(account_id)
