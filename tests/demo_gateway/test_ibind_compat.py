"""A real third-party client (ibind 0.2.2, unmodified) works against the demo gateway."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date

import pytest
from ibind import IbkrClient, IbkrWsClient, QueueSink, StockQuery
from ibind.client.ibkr_utils import OrderRequest, QuestionType
from ibind.ibkr_ws.ibkr_events import AccountLedger, AccountSummary, MarketData, Orders, Pnl, Trades
from ibind.ibkr_ws.ibkr_subscriptions import (
    AccountLedgerSubscription,
    AccountSummarySubscription,
    MarketDataSubscription,
    OrdersSubscription,
    PnlSubscription,
    TradesSubscription,
)
from ibind.support.errors import ExternalBrokerError

from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway
from ibkr_desktop.demo_gateway.simtime import et_ms

ACCOUNT = "DU1234567"
AAPL = 265598
ACCEPT_ALL = {question: True for question in QuestionType}


@pytest.fixture
def gateway_config(gateway_config: GatewayConfig) -> GatewayConfig:
    """ibind fires requests back to back (and in parallel threads): no pacing here.

    The market is open (a Tuesday, 10:30 New York time) so orders fill whenever CI runs.
    """
    return dataclasses.replace(gateway_config, pacing=False,
                               start_ms=et_ms(date(2024, 6, 4), 10 * 60 + 30))


@pytest.fixture
def client(threaded_gateway) -> IbkrClient:  # type: ignore[no-untyped-def]
    """An ibind REST client pointed at the gateway."""
    return IbkrClient(url=threaded_gateway.api_url + "/", cacert=False, account_id="DU1234567",
                      auto_register_shutdown=False, timeout=5, max_retries=1)


def test_session_calls(client: IbkrClient) -> None:
    """tickle, check_health, auth status and validate parse in ibind."""
    assert len(client.tickle().data["session"]) == 32
    assert client.check_health() is True
    assert client.authentication_status().data["authenticated"] is True
    assert client.validate().data["RESULT"] is True


def test_accounts_and_contracts(client: IbkrClient) -> None:
    """portfolio_accounts, brokerage accounts, contract search and symbol -> conid."""
    assert client.portfolio_accounts().data[0]["id"] == "DU1234567"
    assert client.receive_brokerage_accounts().data["accounts"] == ["DU1234567"]
    found = client.search_contract_by_symbol("AAPL").data
    assert found[0]["conid"] == "265598"
    conids = client.stock_conid_by_symbol([StockQuery("AAPL"), StockQuery("SPY")]).data
    assert conids == {"AAPL": 265598, "SPY": 756733}


def test_market_data_snapshot_and_history(client: IbkrClient) -> None:
    """live_marketdata_snapshot (pre-flight + read), by symbol, history and unsubscribe."""
    client.receive_brokerage_accounts()
    first = client.live_marketdata_snapshot(["265598"], ["31", "84", "86"]).data
    assert first == [{"conid": 265598, "conidEx": "265598"}]
    second = client.live_marketdata_snapshot(["265598"], ["31", "84", "86"]).data
    assert {"31", "84", "86"} <= set(second[0])
    by_symbol = client.live_marketdata_snapshot_by_symbol([StockQuery("IBM")], ["31", "55"])
    assert by_symbol["IBM"]["symbol"] == "IBM"
    bars = client.marketdata_history_by_conid("8314", "1h", period="1w", outside_rth=True).data
    assert bars["symbol"] == "IBM" and bars["data"]
    client.marketdata_unsubscribe(["265598", "756733"])  # 756733 not open: 404 is ignored
    assert client.marketdata_unsubscribe_all().data == {"unsubscribed": True}


def test_websocket_market_data_and_tic(threaded_gateway, client: IbkrClient,
                                       caplog) -> None:  # type: ignore[no-untyped-def]
    """IbkrWsClient connects with its JSON cookie, streams smd and answers tic.

    (ibind logs the close handshake's 1000 status as an error when it shuts down; that is
    ibind's own wording for a normal close, so its log is muted for the shutdown.)
    """
    sink = QueueSink()
    ws = IbkrWsClient(url=threaded_gateway.ws_url, ibkr_client=client, account_id="DU1234567",
                      cacert=False, sink=sink)
    quotes = sink.new_queue_accessor(MarketData)
    assert ws.start()
    try:
        ws.subscribe(MarketDataSubscription(conid="265598", fields=["31", "84", "86"]))
        event = quotes.get(block=True, timeout=10)
        assert event is not None
        assert ws.tic()["alive"] is True
    finally:
        with caplog.at_level(logging.CRITICAL, logger="ibind"):
            ws.shutdown()


def _ws_client(threaded_gateway, client: IbkrClient) -> tuple[IbkrWsClient, QueueSink]:  # type: ignore[no-untyped-def]
    sink = QueueSink()
    ws = IbkrWsClient(url=threaded_gateway.ws_url, ibkr_client=client, account_id=ACCOUNT,
                      cacert=False, sink=sink)
    return ws, sink


def test_order_flow_with_questions(threaded_gateway, client: IbkrClient) -> None:  # type: ignore[no-untyped-def]
    """ibind answers the reply chain, then lists, modifies, fills and reads the trade back."""
    client.receive_brokerage_accounts()
    last = threaded_gateway.market.quote(AAPL).last
    far = OrderRequest(conid=AAPL, side="BUY", quantity=10, order_type="LMT", acct_id=ACCOUNT,
                       price=round(last * 0.90, 2), tif="GTC", coid="ibind-far-1")
    with pytest.raises(ValueError, match="Percentage constraint of 3%"):  # o163 is asked
        client.place_order(far, {})
    placed = client.place_order(far, ACCEPT_ALL).data
    placed = placed[0] if isinstance(placed, list) else placed  # ibind unwraps one answer
    order_id = placed["order_id"]
    assert placed["order_status"] in ("PreSubmitted", "Submitted")
    client.live_orders(force=True)
    listed = client.live_orders().data
    if not listed.get("snapshot"):  # IBKR primes the list: the first answer may be empty
        listed = client.live_orders().data
    assert any(str(o["orderId"]) == order_id for o in listed["orders"])
    assert client.order_status(order_id).data["order_status"] in ("PreSubmitted", "Submitted")
    marketable = dataclasses.replace(far, price=round(last * 1.01, 2), coid=None)
    client.modify_order(order_id, marketable, ACCEPT_ALL)
    threaded_gateway.call(threaded_gateway.market.set_price, AAPL, last)  # a tick: match now
    assert _eventually(lambda: client.order_status(order_id).data["order_status"] == "Filled")
    trades = client.trades().data
    assert any(t["order_ref"] == "ibind-far-1" and float(t["size"]) == 10 for t in trades)
    client.positions(ACCOUNT)  # IBKR caches positions; ibind reads page 0
    summary = client.portfolio_summary(ACCOUNT).data
    assert summary["netliquidation"]["amount"] > 0
    assert "USD" in client.get_ledger(ACCOUNT).data
    cancelled = client.cancel_order("999", ACCOUNT).data
    assert "doesn't exist" in cancelled["error"]


def _eventually(check, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_websocket_order_trade_pnl_and_account_topics(threaded_gateway, client: IbkrClient,
                                                      caplog) -> None:  # type: ignore[no-untyped-def]
    """IbkrWsClient's sor, str, spl, ssd and sld subscriptions are confirmed and deliver."""
    client.receive_brokerage_accounts()
    ws, sink = _ws_client(threaded_gateway, client)
    queues = {kind: sink.new_queue_accessor(kind)
              for kind in (Orders, Trades, Pnl, AccountSummary, AccountLedger)}
    assert ws.start()
    try:
        for subscription in (OrdersSubscription(), TradesSubscription(), PnlSubscription(),
                             AccountSummarySubscription(account_id=ACCOUNT),
                             AccountLedgerSubscription(account_id=ACCOUNT)):
            assert ws.subscribe(subscription), subscription
        last = threaded_gateway.market.quote(AAPL).last
        buy = OrderRequest(conid=AAPL, side="BUY", quantity=5, order_type="MKT",
                           acct_id=ACCOUNT, tif="DAY")
        client.place_order(buy, ACCEPT_ALL)
        threaded_gateway.call(threaded_gateway.market.set_price, AAPL, last)
        for kind in (Orders, Trades, Pnl, AccountSummary, AccountLedger):
            assert queues[kind].get(block=True, timeout=10) is not None, kind
    finally:
        with caplog.at_level(logging.CRITICAL, logger="ibind"):
            ws.shutdown()


def _ordinary_session(client: IbkrClient) -> None:
    """What a bot does first and then keeps doing: tickle, health, accounts, quotes, orders."""
    assert client.tickle().data["session"]
    assert client.check_health() is True
    assert client.receive_brokerage_accounts().data["accounts"] == [ACCOUNT]
    assert client.portfolio_accounts().data[0]["id"] == ACCOUNT
    quotes = client.live_marketdata_snapshot_by_symbol([StockQuery("AAPL"), StockQuery("SPY")],
                                                       ["31", "55", "84", "86"])
    assert set(quotes) == {"AAPL", "SPY"} and quotes["AAPL"]["symbol"] == "AAPL"
    client.live_orders(force=True)
    for _ in range(4):  # poll until the primed list is authoritative, and a little more
        assert "orders" in client.live_orders().data
    assert client.check_health() is True


@pytest.mark.parametrize(
    "mode", ["tolerant", pytest.param("strict", marks=pytest.mark.expect_errors)])
def test_an_ordinary_ibind_session_with_pacing_on(gateway_config: GatewayConfig, mode: str,
                                                  caplog) -> None:  # type: ignore[no-untyped-def]
    """Pacing on, default (tolerant) mode: ibind's ordinary start-up and polling see no 429.

    The same session against ``--pacing strict`` breaks the 1/s tickle and 1 per 5 s live-order
    windows, which is why tolerant is the default (IBKR is "not that picky", §11).
    """
    gateway = ThreadedGateway(dataclasses.replace(gateway_config, pacing=True, pacing_mode=mode))
    gateway.start()
    try:
        client = IbkrClient(url=gateway.api_url + "/", cacert=False, account_id=ACCOUNT,
                            auto_register_shutdown=False, timeout=5, max_retries=1)
        with caplog.at_level(logging.WARNING, logger="ibkr_desktop.demo_gateway.pacing"):
            if mode == "tolerant":
                _ordinary_session(client)
            else:
                # a 429 raises, or turns ibind's check_health() False
                with pytest.raises((ExternalBrokerError, AssertionError)):
                    _ordinary_session(client)
        too_many = [r for r in caplog.records if r.name == "ibkr_desktop.demo_gateway.pacing"]
        assert (too_many == []) is (mode == "tolerant")
    finally:
        gateway.stop()
