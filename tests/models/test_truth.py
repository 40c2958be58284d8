"""Truth on screen, model by model: old prices never look live, every number has one meaning,
the freshest price wins, and a table says when its data stopped being current.

Quotes and account frames are fed in IBKR's recorded shapes (reference §6.6, §6.11, §6.12)
through the client's own parser (``FrameBatcher``, ``parse_frame``) into the models, and the
tests read what the user sees: cell text, tooltips, dimming and the stale signal.
"""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt

from ibkr_desktop.client.stream_connect import StreamStatus
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.freshness import Freshness, stale_title, stream_text
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.table import RecordTableModel, Role
from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.protocol.batching import FrameBatcher
from ibkr_desktop.protocol.events import (
    AccountSummaryUpdate,
    Fill,
    OrderUpdate,
    PnlUpdate,
    Position,
    SessionKind,
    SessionState,
)
from ibkr_desktop.protocol.frames import parse_frame
from ibkr_desktop.protocol.orders import OrderStatus
from ibkr_desktop.protocol.quotes import QuoteBatch
from ibkr_desktop.widgets.status_bar import ConnectionDoctor
from tests.helpers import ManualClock

AAPL, SAP, SPY_C = 265598, 14204, 720000001
T0_MS = 1_764_460_000_000  # 2025-11-30, a server time in epoch ms
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def quotes(*frames: dict[str, object]) -> QuoteBatch:
    """Recorded-shape ``smd`` frames through the stream's batcher: the batch the models get."""
    batcher = FrameBatcher()
    for frame in frames:
        batcher.feed(json.dumps({"topic": f"smd+{frame['conid']}", **frame}))
    return batcher.drain().quotes


def cell(model: RecordTableModel, row: int, key: str, role: int = 0) -> object:
    return model.data(model.index(row, model.column_index(key)), role)


def position(conid: int, symbol: str, qty: float, price: float, value: float, avg: float,
             currency: str = "USD") -> Position:
    return Position("DU1", conid, symbol, qty, avg, price, value, value - qty * avg, 0.0,
                    currency)


# -- 1. old prices never look live -------------------------------------------------------------
def test_delayed_and_frozen_quotes_are_badged_in_the_watchlist() -> None:
    """6509 "DPB" -> "AAPL [D]" with a how-old tooltip; "ZPB" -> [F]; "RpB" -> no badge."""
    model = WatchlistModel(clock=ManualClock())
    model.set_items([WatchItem(AAPL, "AAPL"), WatchItem(SAP, "SAP"), WatchItem(3, "MSFT")])
    model.apply(quotes({"conid": AAPL, "_updated": T0_MS, "31": "188.45", "6509": "DPB"},
                       {"conid": SAP, "_updated": T0_MS, "31": "C120.10", "6509": "ZPB"},
                       {"conid": 3, "_updated": T0_MS, "31": "410.00", "6509": "RpB"}))
    assert cell(model, 0, "symbol") == "AAPL [D]"
    assert cell(model, 0, "last", TOOLTIP) == "Delayed data, typically 15–20 minutes old"
    assert cell(model, 1, "symbol") == "SAP [F]"
    assert cell(model, 1, "symbol", TOOLTIP) == "Frozen: last price at the close"
    assert cell(model, 2, "symbol") == "MSFT"
    assert cell(model, 2, "last", TOOLTIP) is None
    # later frames carry only changed fields: the badge stays until 6509 says otherwise
    model.apply(quotes({"conid": AAPL, "_updated": T0_MS + 1000, "31": "188.50"}))
    assert cell(model, 0, "symbol") == "AAPL [D]"
    model.apply(quotes({"conid": AAPL, "_updated": T0_MS + 2000, "6509": "RpB"}))
    assert cell(model, 0, "symbol") == "AAPL"


def test_positions_show_delayed_prices_as_delayed_and_foreign_money_with_its_currency() -> None:
    """The positions row of a delayed quote is badged too; EUR money says EUR (base USD)."""
    model = PositionsModel(clock=lambda: T0_MS / 1000)
    model.set_base_currency("USD")
    model.set_positions([position(AAPL, "AAPL", 100, 188.0, 18_800.0, 180.0),
                         position(SAP, "SAP", 10, 120.0, 1_200.0, 100.0, "EUR")],
                        as_of_ms=T0_MS)
    model.apply_quotes(quotes({"conid": AAPL, "_updated": T0_MS + 500, "31": "188.45",
                               "6509": "DPB"}))
    assert cell(model, 0, "symbol") == "AAPL [D]"
    assert cell(model, 0, "market_value", TOOLTIP) == "Delayed data, typically 15–20 minutes old"
    assert cell(model, 0, "market_value") == "18,845.00"
    assert cell(model, 1, "symbol") == "SAP"
    assert cell(model, 1, "market_value") == "1,200.00 EUR"
    assert cell(model, 1, "unrealized_pnl") == "+200.00 EUR"


def test_without_a_known_base_currency_mixed_positions_all_say_their_currency() -> None:
    """Base currency unknown: one currency -> plain numbers; USD and EUR -> each says its own."""
    model = PositionsModel(clock=lambda: T0_MS / 1000)
    model.set_positions([position(AAPL, "AAPL", 100, 188.0, 18_800.0, 180.0)], as_of_ms=T0_MS)
    assert cell(model, 0, "market_value") == "18,800.00"
    model.set_positions([position(AAPL, "AAPL", 100, 188.0, 18_800.0, 180.0),
                         position(SAP, "SAP", 10, 120.0, 1_200.0, 100.0, "EUR")],
                        as_of_ms=T0_MS)
    assert cell(model, 0, "market_value") == "18,800.00 USD"
    assert cell(model, 1, "last") == "120.00 EUR"


def test_an_option_repriced_from_a_live_quote_counts_its_multiplier() -> None:
    """§11: mktPrice per share, mktValue/avgCost per contract; re-pricing multiplies by 100."""
    model = PositionsModel(clock=lambda: T0_MS / 1000)
    # 2 SPY calls at 3.10 a share = 620.00 of value; bought at 250.00 a contract
    model.set_positions([position(SPY_C, "SPY C500", 2, 3.10, 620.0, 250.0)], as_of_ms=T0_MS)
    assert cell(model, 0, "market_value") == "620.00"
    model.apply_quotes(quotes({"conid": SPY_C, "_updated": T0_MS + 1000, "31": "3.50",
                               "82": "0.40", "6509": "RpB"}))
    assert cell(model, 0, "last") == "3.50"
    assert cell(model, 0, "market_value") == "700.00"
    assert cell(model, 0, "unrealized_pnl") == "+200.00"
    assert cell(model, 0, "daily_pnl") == "+80.00"  # 2 contracts x 0.40 x 100


# -- 2. one meaning per number ----------------------------------------------------------------
SPL = {"topic": "spl", "args": {"DU1.Core": {"rowType": 1, "dpl": -120.0, "nl": 1_012_000.0,
                                             "upl": 950.0, "uel": 900_000.0, "mv": 162_000.0}}}
SSD = {"topic": "ssd+DU1", "result": [
    {"key": "AccountCode", "value": "DU1", "severity": 0, "timestamp": 1700248325},
    {"key": "GrossPositionValue", "currency": "USD", "monetaryValue": 177_000.0},
    {"key": "NetLiquidation", "currency": "USD", "monetaryValue": 1_011_990.0},
    {"key": "BuyingPower", "currency": "USD", "monetaryValue": 3_984_328.97}]}


def account_rows(model: AccountModel) -> dict[str, str]:
    return {model.data(model.index(r, 0)): model.data(model.index(r, 1))
            for r in range(model.rowCount())}


def test_account_rows_keep_one_meaning_whichever_source_spoke_last() -> None:
    """Net market value (spl mv) and gross position value (ssd) are two rows that never flip."""
    model = AccountModel()
    model.select_account("DU1")
    (pnl,) = parse_frame(json.dumps(SPL))
    (summary,) = parse_frame(json.dumps(SSD))
    assert isinstance(pnl, PnlUpdate) and isinstance(summary, AccountSummaryUpdate)
    seen = []
    for event in (pnl, summary, pnl, summary):
        if isinstance(event, PnlUpdate):
            model.apply_pnl([event])
        else:
            model.apply_summary(event)
        seen.append(account_rows(model))
    for rows in seen[1:]:
        assert rows["Market value (net)"] == "162,000.00"
        assert rows["Gross position value"] == "177,000.00"
        assert rows["Net liquidation"] == "1,012,000.00"  # the P&L stream's, not the summary's
        assert rows["Buying power"] == "3,984,328.97"
    tip = model.data(model.index(model.row_of("gross_position_value") or 0, 1), TOOLTIP)
    assert "Longs plus shorts" in tip


# -- 3. the freshest price wins ---------------------------------------------------------------
def test_a_streamed_price_newer_than_the_rest_snapshot_wins() -> None:
    """REST 188.62 read after the last quote shows until the next AAPL frame (any field), then
    the streamed 188.45 (still the last trade) wins, with market value and P&L following."""
    model = PositionsModel(clock=lambda: T0_MS / 1000)
    model.apply_quotes(quotes({"conid": AAPL, "_updated": T0_MS - 2000, "31": "188.45",
                               "6509": "RpB"}))
    model.set_positions([position(AAPL, "AAPL", 100, 188.62, 18_862.0, 180.0)], as_of_ms=T0_MS)
    assert cell(model, 0, "last") == "188.62"
    model.apply_quotes(quotes({"conid": AAPL, "_updated": T0_MS + 300, "84": "188.44"}))
    assert cell(model, 0, "last") == "188.45"
    assert cell(model, 0, "market_value") == "18,845.00"
    assert cell(model, 0, "unrealized_pnl") == "+845.00"
    # a REST snapshot older than the quote (IBKR's cache) does not take the price back
    model.set_positions([position(AAPL, "AAPL", 100, 188.62, 18_862.0, 180.0)],
                        as_of_ms=T0_MS + 100)
    assert cell(model, 0, "last") == "188.45"
    assert cell(model, 0, "market_value") == "18,845.00"


# -- 4. every panel shows when its data stopped being current ---------------------------------
def status(connected: bool, heartbeat_s: float | None, reconnects: int = 0) -> StreamStatus:
    hb = None if heartbeat_s is None else int(heartbeat_s * 1000)
    return StreamStatus(connected, reconnects, hb, "Streaming." if connected else "Lost.")


def test_a_table_dims_and_says_since_when_while_the_stream_is_down() -> None:
    """Stream down at 14:32:05 -> every row dimmed, "— stale since 14:32:05" once; current
    again only after the reconnect and the table's own refresh."""
    clock = ManualClock(T0_MS / 1000)
    model = PositionsModel(clock=clock)
    model.freshness = freshness = Freshness(needs_refresh=True, clock=clock)
    model.set_positions([position(AAPL, "AAPL", 100, 188.0, 18_800.0, 180.0)])
    changes: list[object] = []
    model.stale_changed.connect(changes.append)
    freshness.set_stream(status(True, clock.now))
    model.flush()
    assert not cell(model, 0, "market_value", Role.STALE) and changes == []
    clock.advance(5)
    freshness.set_stream(status(False, clock.now - 5))
    went_down = clock.now
    clock.advance(1)
    model.flush()
    model.flush()
    assert changes == [went_down]
    assert cell(model, 0, "market_value", Role.STALE)
    assert cell(model, 0, "market_value", Qt.ItemDataRole.ForegroundRole).alpha() < 255
    since = time.strftime("%H:%M:%S", time.localtime(went_down))
    assert stale_title("Positions", model.stale_since) == f"Positions — stale since {since}"
    freshness.set_stream(status(True, clock.now, reconnects=1))
    model.flush()
    assert cell(model, 0, "market_value", Role.STALE)  # the old numbers are still on screen
    freshness.refreshed()
    model.flush()
    assert changes == [went_down, None]
    assert not cell(model, 0, "market_value", Role.STALE)


def test_orders_and_executions_fade_their_coloured_cells_too() -> None:
    """While the orders/executions docks are stale, even the BUY/SELL colours are faded."""
    clock = ManualClock(T0_MS / 1000)
    freshness = Freshness(needs_refresh=False, clock=clock)
    orders, fills = OrdersModel(), FillsModel()
    orders.freshness = fills.freshness = freshness
    orders.apply([OrderUpdate(1, symbol="AAPL", side="BUY", status=OrderStatus.SUBMITTED)])
    fills.add([Fill("e1", "DU1", AAPL, "AAPL", "SELL", 5.0, 188.5, T0_MS, 1.0, None, None,
                    None, None)])
    freshness.set_stream(status(True, clock.now))
    freshness.set_stream(status(False, clock.now))
    for model in (orders, fills):
        model.flush()
        colour = cell(model, 0, "side", Qt.ItemDataRole.ForegroundRole)
        assert colour is not None and colour.alpha() < 255, model


def test_a_lost_session_and_a_silent_heartbeat_make_the_account_stale() -> None:
    """Session expired -> stale; a connected stream without heartbeat or data for longer than
    the stall bound -> stale since the last sign of life; the account's values dim as well."""
    clock = ManualClock(T0_MS / 1000)
    model = AccountModel()
    model.freshness = freshness = Freshness(needs_refresh=False, clock=clock, stall_s=35.0)
    model.apply_pnl([PnlUpdate("DU1", -5.0, 1.0, 2.0, 3.0, 4.0)])
    freshness.set_stream(status(True, clock.now))
    freshness.set_session(SessionState(SessionKind.EXPIRED, "Session expired"))
    model.flush()
    assert model.stale_since == clock.now
    row = model.row_of("daily_pnl") or 0
    assert model.data(model.index(row, 1), Qt.ItemDataRole.ForegroundRole).alpha() < 255
    freshness.set_session(SessionState(SessionKind.AUTHENTICATED, "ok"))
    model.flush()
    assert model.stale_since is None
    clock.advance(30)
    freshness.saw_data()  # no heartbeat, but data still flow: the numbers are current
    last_sign_of_life = clock.now
    clock.advance(34)
    model.flush()
    assert model.stale_since is None
    clock.advance(63)  # 97 s without a heartbeat, 63 s without data
    model.flush()
    assert model.stale_since == last_sign_of_life


def test_the_doctor_does_not_call_a_silent_stream_live(qtbot) -> None:
    """No heartbeat for 97 s on an open socket: "no heartbeat for 97 s", not "live"."""
    now = 1_764_460_000.0
    hb = int((now - 97) * 1000)
    assert stream_text(True, hb, 0, now) == "Stream: no heartbeat for 97 s · 0 reconnects"
    assert stream_text(True, hb + 93_000, 0, now) == (
        "Stream: live · heartbeat 4s ago · 0 reconnects")
    assert stream_text(False, hb + 57_000, 2, now) == (
        "Stream: down · heartbeat 40s ago · 2 reconnects")
    doctor = ConnectionDoctor()
    qtbot.addWidget(doctor)
    doctor.set_stream(status(True, time.time() - 97.2))
    assert doctor.stream_label.text().startswith("Stream: no heartbeat for 97 s")


def test_start_up_is_not_an_outage_and_a_refresh_during_one_dates_the_data() -> None:
    """Connecting for the first time is not stale, whatever order positions and the stream
    arrive in; a REST refresh while the stream is down makes the data stale from then on."""
    clock = ManualClock(T0_MS / 1000)
    freshness = Freshness(needs_refresh=True, clock=clock)
    freshness.set_session(SessionState(SessionKind.AUTHENTICATING, "Logging in"))
    freshness.refreshed()  # positions read over REST before the stream is up
    freshness.set_session(SessionState(SessionKind.AUTHENTICATED, "ok"))
    freshness.set_stream(status(True, clock.now))
    assert freshness.stale_since() is None
    clock.advance(10)
    freshness.set_stream(status(False, clock.now))
    assert freshness.stale_since() == clock.now
    clock.advance(3)
    freshness.refreshed()  # positions after a fill, stream still down
    assert freshness.stale_since() == clock.now
    clock.advance(2)
    freshness.set_stream(status(True, clock.now, reconnects=1))
    assert freshness.stale_since() == clock.now - 2  # back, but awaiting its refresh
    freshness.refreshed()
    assert freshness.stale_since() is None
