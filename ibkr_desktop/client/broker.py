"""The Broker facade: the one client object the GUI sees.

It wires the paced REST queue (its own thread), the session keeper and the stream worker
(both on the qasync loop) and the REST re-sync, and offers the app's vocabulary: quotes,
orders, fills, positions, P&L, session and stream state. Like ib_async's ``IB``, every fact
arrives as a signal; unlike it, nothing here ever blocks the GUI thread: requests wait in
the REST thread and coroutines await them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal, Slot

from ibkr_desktop.client.http import TIMEOUTS, Timeouts, client_logger, split_gateway_url
from ibkr_desktop.client.journal import Journal
from ibkr_desktop.client.notices import Notice, NoticeBoard
from ibkr_desktop.client.order_flow import OrderFlow
from ibkr_desktop.client.orders import OrderDesk, PlacementResult
from ibkr_desktop.client.rest_queue import PacingStats, RestQueue
from ibkr_desktop.client.scheduler import RETRY, Lane, RetryPolicy
from ibkr_desktop.client.session import SessionInfo, SessionKeeper, SessionTimings
from ibkr_desktop.client.stream import StreamStatus, StreamTimings, StreamWorker
from ibkr_desktop.client.sync import AccountSync
from ibkr_desktop.client.tasks import TaskSet
from ibkr_desktop.client.tls import (
    CertificateChanged,
    CertificateInfo,
    CertificateUntrusted,
    fetch_certificate,
)
from ibkr_desktop.protocol.bars import Bar, check_history_request, parse_history
from ibkr_desktop.protocol.contract_rules import ContractRules, parse_contract_rules
from ibkr_desktop.protocol.errors import IbkrError, describe_error
from ibkr_desktop.protocol.events import (
    AccountsInfo,
    ContractMatch,
    SessionState,
)
from ibkr_desktop.protocol.fields import WATCHLIST_FIELDS, parse_fields
from ibkr_desktop.protocol.orders import OrderTicket
from ibkr_desktop.protocol.pacing import ENDPOINT_LIMITS, EndpointLimit, Pacer
from ibkr_desktop.protocol.portfolio import parse_search_results, trading_mode
from ibkr_desktop.protocol.quotes import QuoteBatch

log = client_logger("ibkr_desktop.client.broker")


@dataclass(frozen=True, slots=True)
class ClientTimings:
    """Every interval and limit of the client in one place; tests shrink them."""

    session: SessionTimings = field(default_factory=SessionTimings)
    stream: StreamTimings = field(default_factory=StreamTimings)
    retry: RetryPolicy = RETRY
    http: Timeouts = TIMEOUTS
    endpoint_limits: tuple[EndpointLimit, ...] = ENDPOINT_LIMITS
    positions_delay_s: float = 0.5
    order_lookup_tries: int = 3
    order_lookup_gap_s: float = 0.5


class Broker(QObject):
    """The client as the GUI sees it. Nothing on the GUI thread blocks.

    Call ``await start()`` once the qasync loop runs; the broker then keeps itself connected
    (session keeper, stream reconnects, REST re-syncs) until ``await stop()``. Coroutine
    methods that answer a user action never raise for gateway trouble (they return an empty
    result and emit a ``notice``), except the order methods, which raise ``IbkrError`` (incl.
    ``OrderRejectedError``) so the ticket can show why the order did not go.

    Signals:
        quotes_updated (QuoteBatch): conid -> changed values as a ``protocol.quotes.Quote``
            (names as ``protocol.fields.parse_fields``, plus ``updated_ms``); one emit per batch.
        orders_updated (tuple[OrderUpdate, ...]): order changes (None fields = unchanged).
        fills_received (tuple[Fill, ...]): executions, each reported once (by execution id).
        positions_updated (tuple[Position, ...]): the full set for the selected account.
        pnl_updated (tuple[PnlUpdate, ...]): account P&L rows.
        account_summary_updated (AccountSummaryUpdate): summary of the selected account.
        accounts_changed (AccountsInfo): accounts and the selected one.
        session_state_changed (SessionState): gateway session state with a reason.
        stream_state_changed (StreamStatus): WebSocket connection state.
        pacing_changed (PacingStats): REST budget meter.
        notice (Notice): a message for the user.
        certificate_untrusted (CertificateInfo): a local gateway's certificate needs the
            user's trust; call :meth:`trust_certificate` with its fingerprint if they agree.
    """

    quotes_updated = Signal(object)
    orders_updated = Signal(object)
    fills_received = Signal(object)
    positions_updated = Signal(object)
    pnl_updated = Signal(object)
    account_summary_updated = Signal(object)
    accounts_changed = Signal(object)
    session_state_changed = Signal(object)
    stream_state_changed = Signal(object)
    pacing_changed = Signal(object)
    notice = Signal(object)
    certificate_untrusted = Signal(object)

    def __init__(self, base_url: str, *, parent: QObject | None = None,
                 tls_pin: str | None = None, demo: bool = False,
                 timings: ClientTimings | None = None,
                 suppress_message_ids: Sequence[str] = (),
                 journal: Journal | None = None) -> None:
        super().__init__(parent)
        t = timings or ClientTimings()
        self._origin, _ = split_gateway_url(base_url)
        self._demo = demo
        self._tasks = TaskSet(log)
        self._selected: str | None = None
        self._accounts: AccountsInfo | None = None
        self._started = False
        self._offered_fingerprint: str | None = None
        self._refused_certificate = False
        scheme, rest = self._origin.split("://", 1)
        ws_url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/v1/api/ws"
        self.rest = RestQueue(self._origin, tls_pin=tls_pin, timeouts=t.http, retry=t.retry,
                              pacer=Pacer(limits=t.endpoint_limits), parent=self)
        self.keeper = SessionKeeper(self.rest, self._origin, timings=t.session,
                                    suppress_message_ids=suppress_message_ids, parent=self)
        self.stream = StreamWorker(ws_url, tls_pin=tls_pin, timings=t.stream, parent=self)
        self.sync = AccountSync(self.rest, positions_delay_s=t.positions_delay_s, parent=self)
        self.order_desk = OrderDesk(self.rest, self._require_account, parent=self)
        self.journal = journal
        """The order journal this broker writes (None: no journal); closed by :meth:`stop`."""
        self.orders = OrderFlow(
            OrderDesk(self.rest, self._require_account, parent=self, announce_doubt=False),
            self.rest, self._require_account, journal=journal,
            lookup_tries=t.order_lookup_tries, lookup_gap_s=t.order_lookup_gap_s, parent=self)
        """The one placement flow (``place``/``modify``/``cancel``/``cancel_all``/``what_if``,
        records by order id or cOID, ``record_changed``/``fill_received``)."""
        self.notices = NoticeBoard(parent=self)
        self._wire()

    def _wire(self) -> None:
        stream, sync = self.stream, self.sync
        stream.quotes_updated.connect(self.quotes_updated)
        stream.orders_updated.connect(self.orders_updated)
        sync.orders_updated.connect(self.orders_updated)
        stream.fills_received.connect(sync.accept_fills)
        sync.fills_received.connect(self.fills_received)
        sync.positions_updated.connect(self.positions_updated)
        stream.pnl_updated.connect(self.pnl_updated)
        sync.pnl_updated.connect(self.pnl_updated)
        stream.account_summary_updated.connect(self.account_summary_updated)
        sync.account_summary_updated.connect(self.account_summary_updated)
        stream.state_changed.connect(self.stream_state_changed)
        stream.auth_status_received.connect(self.keeper.on_auth_status)
        stream.session_problem.connect(self.keeper.report_problem)
        stream.message_received.connect(self.notices.on_stream_message)
        stream.resync_requested.connect(lambda: sync.resync(everything=True))
        sync.failed.connect(self.notices.on_refresh_failed)
        sync.notice.connect(self.notices.post)
        self.keeper.state_changed.connect(self.session_state_changed)
        self.keeper.session_ready.connect(self._on_session_ready)
        self.rest.pacing_changed.connect(self.pacing_changed)
        self.rest.session_problem.connect(self._on_session_problem)
        self.rest.request_failed.connect(self.notices.on_request_failed)
        self.notices.notice.connect(self.notice)
        self.order_desk.notice.connect(self.notices.post)
        self.orders_updated.connect(self.orders.on_orders)
        self.fills_received.connect(self.orders.on_fills)
        self.orders.live_orders_read.connect(self.orders_updated)
        self.order_desk.orders_uncertain.connect(
            lambda: self._tasks.spawn(sync.orders(Lane.ORDER), name="orders-after-doubt"))

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the REST thread and the session keeper; returns at once (state via signals)."""
        if self._started:
            return
        self._started = True
        self.rest.start()
        self.keeper.start()

    async def stop(self) -> None:
        """Stop everything this broker started (the gateway's session stays up)."""
        if not self._started:
            return
        self._started = False
        await self._tasks.cancel_all()
        await self.keeper.stop()
        await self.sync.stop()
        await self.stream.stop()
        self.rest.stop()
        if self.journal is not None:
            self.journal.close()

    # -- properties -----------------------------------------------------------------------------

    @property
    def accounts(self) -> tuple[str, ...]:
        """Account ids of the session (empty until the session is up)."""
        return self._accounts.accounts if self._accounts else ()

    @property
    def selected_account(self) -> str | None:
        """The account orders, positions and the summary refer to."""
        return self._selected

    @property
    def session_state(self) -> SessionState:
        """The latest session state."""
        return self.keeper.state

    @property
    def mode(self) -> str:
        """"DEMO" against the embedded gateway, else "PAPER" for paper accounts, else "LIVE"."""
        paper = self._accounts.is_paper if self._accounts else None
        return trading_mode(demo=self._demo, account=self._selected, is_paper=paper).value

    # -- market data ----------------------------------------------------------------------------

    def subscribe_quotes(self, conids: Iterable[int],
                         fields: Iterable[str] = WATCHLIST_FIELDS) -> None:
        """Stream quotes for ``conids`` (kept across reconnects until unsubscribed)."""
        self.stream.subscribe_quotes(conids, fields)

    def unsubscribe_quotes(self, conids: Iterable[int]) -> None:
        """Stop streaming quotes for ``conids``."""
        self.stream.unsubscribe_quotes(conids)

    async def search_contracts(self, text: str) -> list[ContractMatch]:
        """Contracts matching a symbol or name ([] and a notice on failure)."""
        body = await self._user_get("/iserver/secdef/search", {"symbol": text}, "Search")
        return parse_search_results(body) if body is not None else []

    async def snapshot(self, conids: Iterable[int], fields: Iterable[str] = WATCHLIST_FIELDS,
                       ) -> QuoteBatch:
        """One-off quotes ({conid: parsed values}); asks twice if the first is a pre-flight."""
        ids = list(dict.fromkeys(int(c) for c in conids))
        params = {"conids": ids, "fields": list(fields)}
        result: QuoteBatch = {}
        for _ in range(2):
            body = await self._user_get("/iserver/marketdata/snapshot", params, "Quote snapshot")
            for item in body if isinstance(body, list) else ():
                if isinstance(item, Mapping) and str(item.get("conid", "")).isdigit():
                    result[int(str(item["conid"]))] = parse_fields(item)
            if all(result.get(c) for c in ids):
                break
        return result

    async def contract_rules(self, conid: int, is_buy: bool = True) -> ContractRules | None:
        """IBKR's order rules for ``conid`` and side (None and a notice on failure)."""
        try:
            body = await self.rest.call("POST", "/iserver/contract/rules", idempotent=True,
                                        json={"conid": conid, "isBuy": is_buy})
        except IbkrError as exc:
            self._notify("warning", f"Order rules of the contract failed: {describe_error(exc)}")
            return None
        return parse_contract_rules(body, conid)

    async def history(self, conid: int, period: str, bar: str, *, outside_rth: bool = False,
                      start_ms: int | None = None) -> list[Bar]:
        """Historical bars ([] and a notice when the request is invalid or fails).

        ``start_ms`` (epoch ms) ends the period there instead of now (IBKR's ``startTime``,
        sent as ``YYYYMMDD-HH:mm:ss`` UTC): charts page back with it.
        """
        problem = check_history_request(period, bar)
        if problem is not None:
            self._notify("warning", problem)
            return []
        params: dict[str, object] = {"conid": conid, "period": period, "bar": bar,
                                     "outsideRth": outside_rth}
        if start_ms is not None:
            params["startTime"] = datetime.fromtimestamp(start_ms / 1000, UTC).strftime(
                "%Y%m%d-%H:%M:%S")
        body = await self._user_get("/iserver/marketdata/history", params, "Chart history")
        return parse_history(body) if body is not None else []

    # -- orders ---------------------------------------------------------------------------------

    async def place_order(self, ticket: OrderTicket) -> PlacementResult:
        """Send a new order once, with a client order id; returns acceptances and questions.

        The low-level call: no limits, no question loop, no look-up after a lost answer. The
        app and scripts place through :attr:`orders` (``OrderFlow.place``) instead.

        Raises:
            IbkrError: the order was refused, or may not have been sent (the text says which).
        """
        return await self.order_desk.place(ticket)

    async def reply(self, reply_id: str, confirmed: bool) -> PlacementResult:
        """Answer an order question; the answer may hold another question."""
        return await self.order_desk.reply(reply_id, confirmed)

    async def cancel_order(self, order_id: int | str) -> None:
        """Ask IBKR to cancel an order (the outcome arrives as an order update)."""
        await self.order_desk.cancel(order_id)

    async def modify_order(self, order_id: int | str, ticket: OrderTicket) -> PlacementResult:
        """Change a working order; may return questions like a placement."""
        return await self.order_desk.modify(order_id, ticket)

    async def refresh_orders(self) -> None:
        """Re-fetch live orders (never raises)."""
        await self.sync.orders(Lane.USER)

    async def refresh_trades(self) -> None:
        """Re-fetch recent executions; new ones arrive on ``fills_received`` (never raises)."""
        await self.sync.trades(Lane.USER)

    async def refresh_positions(self) -> None:
        """Re-fetch positions of the selected account (never raises)."""
        await self.sync.positions(Lane.USER)

    # -- session --------------------------------------------------------------------------------

    async def reauthenticate(self) -> None:
        """Ask the gateway to re-open the brokerage session (never raises)."""
        await self._quietly(self.keeper.reauthenticate(), "Re-authentication")

    async def take_over(self) -> None:
        """Take the brokerage session from a competing login (never raises)."""
        await self._quietly(self.keeper.take_over(), "Taking over the session")

    def set_suppressed_questions(self, message_ids: Sequence[str]) -> None:
        """Order-question ids the user always accepts ("o163"...); re-applied every session."""
        self.keeper.set_suppressed_questions(message_ids)

    def trust_certificate(self, fingerprint: str) -> None:
        """Pin the local gateway's certificate (the user accepted it) and reconnect."""
        self.rest.set_tls_pin(fingerprint)
        self.stream.set_tls_pin(fingerprint)
        self._offered_fingerprint = None
        self._refused_certificate = False
        self.keeper.wake()

    def select_account(self, account: str) -> None:
        """Make ``account`` the one orders, positions and the summary refer to."""
        if account == self._selected or account not in self.accounts:
            return
        self._use_account(account)
        self._tasks.spawn(self._switch_account(account), name="select-account")

    # -- internals ------------------------------------------------------------------------------

    def _require_account(self) -> str:
        if self._selected is None:
            raise IbkrError("No account is available yet: the session is not ready.")
        return self._selected

    @Slot(object)
    def _on_session_ready(self, info: SessionInfo) -> None:
        self._accounts = info.accounts
        wanted = self._selected if self._selected in info.accounts.accounts else None
        self._use_account(wanted or info.accounts.selected or next(iter(info.accounts.accounts),
                                                                     None))
        if self.stream.running:
            self.stream.set_session(info.session_id)  # re-creates the wanted subscriptions
        else:
            self.stream.start(info.session_id)
        self.stream.subscribe_orders()
        self.stream.subscribe_trades()
        self.stream.subscribe_pnl()
        self.sync.resync(everything=True)

    def _use_account(self, account: str | None) -> None:
        old, self._selected = self._selected, account
        self.sync.account = account
        if old and old != account:
            self.stream.unsubscribe(f"ssd+{old}")
        if account:
            self.stream.subscribe_account_summary(account)
        accounts = self._accounts or AccountsInfo((), None, None)
        self.accounts_changed.emit(AccountsInfo(accounts.accounts, account, accounts.is_paper))

    async def _switch_account(self, account: str) -> None:
        await self._quietly(self.rest.call("POST", "/iserver/account", json={"acctId": account}),
                            "Switching account")
        self.sync.resync(lane=Lane.USER, everything=True)

    async def _user_get(self, path: str, params: Mapping[str, object], what: str) -> object:
        try:
            return await self.rest.call("GET", path, params=dict(params))
        except IbkrError as exc:
            self._notify("warning", f"{what} failed: {describe_error(exc)}")
            return None

    async def _quietly(self, awaitable: Awaitable[object], what: str) -> None:
        try:
            await awaitable
        except IbkrError as exc:
            self._notify("warning", f"{what} failed: {describe_error(exc)}")

    @Slot(object)
    def _on_session_problem(self, error: IbkrError) -> None:
        if isinstance(error, CertificateUntrusted):
            self._tasks.spawn(self._offer_certificate(), name="fetch-certificate")
        elif isinstance(error, CertificateChanged) and not self._refused_certificate:
            self._refused_certificate = True  # once, not at every retry of the keeper
            self._notify("error", error.message)

    async def _offer_certificate(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            info = await loop.run_in_executor(None, fetch_certificate, self._origin)
        except IbkrError as exc:
            log.info("could not fetch the gateway certificate: %s", describe_error(exc))
            return
        if info.fingerprint != self._offered_fingerprint:
            self._offered_fingerprint = info.fingerprint
            self._notify("warning", "The gateway's certificate is not trusted yet "
                         f"(SHA-256 {info.fingerprint}).")
            self.certificate_untrusted.emit(info)

    def _notify(self, level: str, text: str) -> None:
        self.notices.post(level, text)


__all__ = ["Broker", "CertificateInfo", "ClientTimings", "Notice", "PacingStats",
           "PlacementResult", "StreamStatus"]
