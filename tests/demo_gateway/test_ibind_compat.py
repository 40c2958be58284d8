"""A real third-party client (ibind 0.2.2, unmodified) works against the demo gateway."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from ibind import IbkrClient, IbkrWsClient, QueueSink, StockQuery
from ibind.ibkr_ws.ibkr_events import MarketData
from ibind.ibkr_ws.ibkr_subscriptions import MarketDataSubscription

from ibkr_desktop.demo_gateway.server import GatewayConfig


@pytest.fixture
def gateway_config(gateway_config: GatewayConfig) -> GatewayConfig:
    """ibind fires requests back to back (and in parallel threads): no pacing here."""
    return dataclasses.replace(gateway_config, pacing=False)


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
