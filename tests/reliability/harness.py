"""The app under test (``startup.build``, offscreen) on a demo-gateway process, and what the
soak and the fault storm do with it: trade through the broker, wait for recovery, count.

Waits are upper bounds on outcomes (``tests.helpers.wait_until``); nothing waits for time to
pass except the soak's own pacing (an order every few seconds is the load, not a wait).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtWidgets import QApplication

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import App, build
from ibkr_desktop.client.broker import Broker
from ibkr_desktop.client.http import Timeouts
from ibkr_desktop.client.notices import Notice
from ibkr_desktop.demo_gateway.universe import default_instruments, with_synthetic
from ibkr_desktop.protocol.events import SessionKind
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.order_records import PlacementOutcome
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket
from tests.client.conftest import FAST
from tests.helpers import wait_until
from tests.reliability.gateway_process import GatewayProcess
from tests.reliability.probes import Errors, FrameCount, Meter

READ_TIMEOUT_S = 8.0
"""How long the client waits for an answer (a ``late`` lost answer comes after it)."""

SYMBOLS = 200
"""Instruments in the watchlist (the built-in ones, then made-up SYN001...)."""

TIMINGS = replace(FAST, stream=replace(FAST.stream, stall_s=5.0),
                  http=Timeouts(connect=1.0, read=READ_TIMEOUT_S))
"""The tests' fast client timings, but a stream declared stalled only after 5 s without data
and answers awaited 8 s (a machine shared by many builds stalls for longer than the tests'
1 s and 3 s; the slow-answers fault must not turn into lost answers)."""

FILL_TITLES = ("Order filled", "Partial fill")


@dataclass(slots=True)
class Tally:
    """What the run asked the gateway for and what the user was told."""

    placements: int = 0
    """Orders the run asked for (each ``place`` call: one intent)."""
    cancels: int = 0
    order_ids: set[str] = field(default_factory=set)
    """The ids of the orders IBKR accepted, as the app learnt them."""
    fill_notices: int = 0
    notices: Counter[str] = field(default_factory=Counter)


class Harness:
    """The app on a gateway process, with its probes.

    Args:
        qapp: the QApplication.
        gateway: the gateway process (started).
    """

    def __init__(self, qapp: QApplication, gateway: GatewayProcess) -> None:
        self.gateway = gateway
        self.universe = with_synthetic(default_instruments(), SYMBOLS)
        Keys.WATCHLISTS.set({"current": "Soak", "lists": {"Soak": [
            {"conid": i.conid, "symbol": i.symbol, "name": i.name} for i in self.universe]}})
        self.app: App = build(qapp, client_timings=TIMINGS, line_limit=SYMBOLS + 10)
        self.meter = Meter(parent=self.app)
        self.frames = FrameCount()
        self.errors = Errors()
        self.tally = Tally()
        self.app.notifier.notice.connect(self._on_notice)
        self.app.holder.broker_changed.connect(self._count_frames)  # before the broker starts
        self._bids: dict[int, float] = {}
        self._quotes = self.app.feed.open(self._on_quotes, "the reliability run")
        self._quotes.hold({i.conid: i.symbol for i in self.universe})
        self.last_outcome: PlacementOutcome | None = None
        self.before_reply: Callable[[], Awaitable[object]] | None = None
        """Run once before the next confirmation goes out (arms a fault for the reply)."""

    @property
    def broker(self) -> Broker:
        """The app's broker (there always is one once connected)."""
        assert self.app.broker is not None
        return self.app.broker

    async def connect(self) -> None:
        """Show the window, connect, and wait for quotes."""
        self.app.window.show()
        await self.app.connect_to(Endpoint(demo=False, url=self.gateway.base_url))
        await self.recovered(timeout=30)

    def connected(self) -> bool:
        """Session authenticated, stream up, the doctor says Connected."""
        broker = self.app.broker
        return (broker is not None and broker.session_state.kind == SessionKind.AUTHENTICATED
                and broker.stream.status.connected
                and self.app.window.doctor.headline() == "Connected")

    async def quotes_flow(self, timeout: float = 15) -> None:
        """Wait for two more quote batches than now."""
        seen = self.app.feed.batches
        await wait_until(lambda: self.app.feed.batches >= seen + 2, timeout)

    async def recovered(self, timeout: float = 20) -> None:
        """Wait until Connected with quotes flowing (AssertionError if not within bound)."""
        await wait_until(self.connected, timeout)
        await self.quotes_flow(timeout)

    def requests(self, counters: dict[str, Any], name: str) -> int:
        """How many ``name`` requests ("GET /iserver/account/orders") the gateway counted."""
        return sum(count for key, count in counters["requests"] if key == name)

    # -- trading --------------------------------------------------------------------------------

    def bid(self, conid: int) -> float:
        """The latest bid the feed gave for ``conid`` (the instrument's level before any)."""
        price = self._bids.get(conid)
        if price is not None:
            return price
        return next(i.price for i in self.universe if i.conid == conid)

    def _on_quotes(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        for conid, values in batch.items():
            bid = values.get("bid")
            if isinstance(bid, int | float) and bid > 0:
                self._bids[conid] = float(bid)

    async def place_resting(self, conid: int, under: float = 0.1) -> str:
        """A BUY limit ``under`` (a share) below the bid, so it rests; its order id. IBKR asks
        about a price more than 3% away (``o163``), which the run confirms."""
        price = round(self.bid(conid) * (1 - under), 2)
        return await self._place(OrderTicket(conid, Side.BUY, 1, OrderType.LMT, price=price))

    async def place_marketable(self, conid: int, side: Side) -> str:
        """A market order of one share (it fills at once in the always-open demo market)."""
        return await self._place(OrderTicket(conid, side, 1, OrderType.MKT))

    async def cancel(self, order_id: str) -> None:
        """Cancel an order through the broker."""
        self.tally.cancels += 1
        await self.broker.cancel_order(order_id)

    async def _place(self, ticket: OrderTicket) -> str:
        """Place as the ticket does (``broker.orders``: limits, questions confirmed, a lost
        answer looked up by cOID); the order id.

        Raises:
            AssertionError: nothing was placed (the outcome's words).
        """
        self.tally.placements += 1
        outcome = await self.broker.orders.place(ticket, self._confirm)
        self.last_outcome = outcome
        assert outcome.accepted and outcome.accepted[0].order_id is not None, (
            f"not placed: {outcome.error or outcome}")
        order_id = str(outcome.accepted[0].order_id)
        self.tally.order_ids.add(order_id)
        return order_id

    async def _confirm(self, question: OrderQuestion) -> bool:
        """Answer yes to IBKR's questions, as a trader would (after ``before_reply``)."""
        if self.before_reply is not None:
            hook, self.before_reply = self.before_reply, None
            await hook()
        return True

    def _count_frames(self, broker: Broker | None) -> None:
        if broker is not None:
            self.frames.attach(broker)

    def _on_notice(self, notice: Notice) -> None:
        self.tally.notices[notice.level] += 1
        if notice.title in FILL_TITLES:
            self.tally.fill_notices += 1
