"""WatchlistModel: quotes land in cells, repaints coalesce into spans, ticks flash, old rows dim."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ibkr_desktop.models.table import Role
from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.models.watchlists import DEFAULT_ITEMS


class FakeClock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_model(rows: int = 10, clock: FakeClock | None = None) -> WatchlistModel:
    model = WatchlistModel(clock=clock or FakeClock())
    model.set_items(WatchItem(1000 + i, f"S{i}") for i in range(rows))
    return model


def cell(model: WatchlistModel, row: int, key: str, role: int = Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(row, model.column_index(key)), role)


def test_quote_values_show_formatted() -> None:
    """Quotes show trader-formatted: 2-decimal prices, sizes with commas, K/M volume."""
    model = make_model(2)
    model.apply({1000: {"last": 189.6, "bid": 189.59, "ask": 189.61, "bid_size": 1300.0,
                        "change": 1.25, "change_pct": 0.66, "volume_long": 24_200_000.0}})
    assert cell(model, 0, "last") == "189.60"
    assert cell(model, 0, "bid_size") == "1,300"
    assert cell(model, 0, "change") == "+1.25"
    assert cell(model, 0, "change_pct") == "+0.66%"
    assert cell(model, 0, "volume") == "24.2M"
    assert cell(model, 1, "last") == ""


def test_thousand_quotes_one_flush_one_datachanged(qtbot) -> None:
    """1,000 quotes over 10 adjacent rows -> one flush -> one dataChanged span."""
    model = make_model(10)
    spans: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): spans.append((tl.row(), br.row())))
    for i in range(1000):
        model.apply({1000 + i % 10: {"last": 100.0 + i * 0.01}})
    assert spans == []
    assert model.flush() == 1
    assert spans == [(0, 9)]
    assert model.flush() == 0


def test_flush_emits_one_span_per_contiguous_dirty_run() -> None:
    """Dirty rows 0-2, 5 and 7-8 give exactly three dataChanged signals."""
    model = make_model(10)
    spans: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): spans.append((tl.row(), br.row())))
    model.apply({1000 + r: {"bid": 1.0} for r in (8, 0, 2, 1, 5, 7)})
    assert model.flush() == 3
    assert spans == [(0, 2), (5, 5), (7, 8)]


def test_unknown_conids_are_kept_for_later_rows() -> None:
    """A quote for a conid not on the list does not touch rows, and seeds the row when added."""
    model = make_model(1)
    assert model.apply({42: {"last": 5.5}}) == 0
    assert model.pending_rows() == 0
    model.add(WatchItem(42, "XYZ"))
    assert cell(model, 1, "last") == "5.50"


def test_uptick_and_downtick_flash_then_expire() -> None:
    """Last rising flashes +1, falling flashes -1, and the flash ends after its duration."""
    clock = FakeClock()
    model = make_model(1, clock)
    model.apply({1000: {"last": 10.0}})
    model.apply({1000: {"last": 10.5}})
    assert cell(model, 0, "last", Role.FLASH) == 1
    assert cell(model, 0, "last", Qt.ItemDataRole.BackgroundRole) is not None
    model.apply({1000: {"last": 10.2}})
    assert cell(model, 0, "last", Role.FLASH) == -1
    clock.now += 1.0
    model.flush()
    assert cell(model, 0, "last", Role.FLASH) == 0
    assert cell(model, 0, "last", Qt.ItemDataRole.BackgroundRole) is None


def test_quiet_rows_turn_stale_and_dim() -> None:
    """A row quiet for longer than stale_after is marked stale and greyed; a tick revives it."""
    clock = FakeClock()
    model = make_model(2, clock)
    model.apply({1000: {"last": 10.0, "change": 1.0}, 1001: {"last": 20.0}})
    model.flush()
    bright = cell(model, 0, "change", Qt.ItemDataRole.ForegroundRole)
    clock.now += 5
    model.apply({1001: {"last": 20.1}})
    clock.now += model.stale_after
    model.flush()
    assert cell(model, 0, "symbol", Role.STALE) is True
    assert cell(model, 1, "symbol", Role.STALE) is False
    dim = cell(model, 0, "change", Qt.ItemDataRole.ForegroundRole)
    assert dim.alpha() < bright.alpha()
    assert cell(model, 0, "symbol", Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(model, 0, "age") == f"{model.stale_after + 5:.0f}s"
    model.apply({1000: {"last": 10.1}})
    assert cell(model, 0, "symbol", Role.STALE) is False


def test_prior_close_and_halted_marks() -> None:
    """Field 31's C (prior close) and H (halted) prefixes stay visible in the Last cell."""
    model = make_model(2)
    model.apply({1000: {"last": 10.0, "last_is_close": True, "halted": False},
                 1001: {"last": 11.0, "last_is_close": False, "halted": True}})
    assert cell(model, 0, "last") == "C 10.00"
    assert cell(model, 1, "last") == "H 11.00"


def test_add_remove_move_rows_and_no_duplicates(qtmodeltester) -> None:
    """Rows can be added (no duplicates), removed and reordered; the model stays consistent."""
    model = make_model(3)
    qtmodeltester.check(model)
    assert not model.add(WatchItem(1000, "S0"))
    assert model.add(WatchItem(7, "NEW"), at=0)
    assert model.conids() == [7, 1000, 1001, 1002]
    assert model.move_row(0, 3)
    assert model.conids() == [1000, 1001, 1002, 7]
    model.remove_rows([0, 2])
    assert model.conids() == [1001, 7]
    model.apply({7: {"last": 3.0}})
    assert cell(model, 1, "last") == "3.00"
    assert model.flush() == 1
    qtmodeltester.check(model)


def test_default_list_has_ten_liquid_names(qtmodeltester) -> None:
    """First start shows AAPL...IBM."""
    model = WatchlistModel()
    model.set_items(DEFAULT_ITEMS)
    symbols = [cell(model, r, "symbol") for r in range(model.rowCount())]
    assert symbols == ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "SPY", "QQQ", "IBM"]
    qtmodeltester.check(model)
