"""History rules of the §4.5 table and parsing of history answers."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.bars import (
    BAR_SECONDS,
    Bar,
    allowed_bars,
    check_history_request,
    default_bar,
    parse_history,
    period_seconds,
)

BARS = ("1min", "2min", "3min", "5min", "10min", "15min", "30min", "1h", "2h", "3h", "4h", "8h",
        "1d", "1w", "1m")

# §4.5: period -> (smallest bar, largest bar, default bar)
TABLE = {
    "1min": ("1min", "1min", "1min"), "1h": ("1min", "8h", "1min"), "1d": ("1min", "8h", "1min"),
    "1w": ("10min", "1w", "15min"), "1m": ("1h", "1m", "30min"), "3m": ("2h", "1m", "1d"),
    "6m": ("4h", "1m", "1d"), "1y": ("8h", "1m", "1d"), "2y": ("1d", "1m", "1d"),
    "3y": ("1d", "1m", "1w"), "15y": ("1w", "1m", "1w"),
}


def test_bar_seconds() -> None:
    """Every IBKR bar size is known, in ascending length."""
    assert tuple(BAR_SECONDS) == BARS
    assert BAR_SECONDS["1min"] == 60 and BAR_SECONDS["8h"] == 28800
    assert BAR_SECONDS["1d"] == 86400 and BAR_SECONDS["1w"] == 604800
    assert BAR_SECONDS["1m"] == 2592000
    assert list(BAR_SECONDS.values()) == sorted(BAR_SECONDS.values())


@pytest.mark.parametrize("period", list(TABLE))
@pytest.mark.parametrize("bar", BARS)
def test_every_period_bar_pair(period: str, bar: str) -> None:
    """A bar is allowed exactly when it lies in the table's range (or is the default)."""
    smallest, largest, default = TABLE[period]
    in_range = BARS.index(smallest) <= BARS.index(bar) <= BARS.index(largest)
    expected_ok = in_range or bar == default
    problem = check_history_request(period, bar)
    assert (problem is None) == expected_ok, problem
    assert (bar in allowed_bars(period)) == expected_ok
    if problem is not None:
        assert bar in problem and period in problem


@pytest.mark.parametrize("period", list(TABLE))
def test_default_bar(period: str) -> None:
    """The default bar matches the table and is always allowed."""
    assert default_bar(period) == TABLE[period][2]
    assert check_history_request(period, default_bar(period)) is None


def test_one_month_default_outside_listed_range() -> None:
    """The table lists 30min as the 1m default although its range starts at 1h; both work."""
    assert allowed_bars("1m")[0] == "30min"
    assert check_history_request("1m", "15min") is not None


@pytest.mark.parametrize(
    ("period", "seconds"),
    [("1min", 60), ("30min", 1800), ("8h", 28800), ("1000d", 86_400_000), ("792w", 792 * 604800),
     ("182m", 182 * 2592000), ("15y", 15 * 31536000), (" 2D ", 172800)],
)
def test_period_seconds(period: str, seconds: int) -> None:
    """Periods of every unit convert to seconds up to IBKR's maximum counts."""
    assert period_seconds(period) == seconds


@pytest.mark.parametrize("period", ["31min", "9h", "1001d", "793w", "183m", "16y", "0d", "1x",
                                    "d", "", "1.5d"])
def test_bad_periods(period: str) -> None:
    """Out-of-range or unknown periods raise ValueError and are refused with a message."""
    with pytest.raises(ValueError):
        period_seconds(period)
    assert check_history_request(period, "1d") is not None


def test_between_columns_uses_the_stricter_rule() -> None:
    """A 5d period follows the 1w rules (no 1-minute bars); 2h follows 1d."""
    assert allowed_bars("5d")[0] == "10min"
    assert default_bar("5d") == "15min"
    assert allowed_bars("2h") == allowed_bars("1d")


def test_unknown_bar_is_refused() -> None:
    """A bar size IBKR does not know is refused with the list of valid ones."""
    problem = check_history_request("1d", "7min")
    assert problem is not None and "7min" in problem and "1min" in problem


HISTORY = {
    "serverId": "20477", "symbol": "AAPL", "text": "APPLE INC", "priceFactor": 100,
    "startTime": "20230818-08:00:00", "high": "17510/472117.45/0", "low": "17170/472117.45/0",
    "timePeriod": "1d", "barLength": 86400, "mdAvailability": "S", "mktDataDelay": 0,
    "outsideRth": True, "tradingDayDuration": 1440, "volumeFactor": 1, "priceDisplayRule": 1,
    "priceDisplayValue": "2", "chartPanStartTime": "20230821-13:30:00", "direction": -1,
    "negativeCapable": False, "messageVersion": 2,
    "data": [{"o": 173.4, "c": 174.7, "h": 175.1, "l": 171.7, "v": 472117.45, "t": 1692345600000}],
    "points": 0, "travelTime": 48,
}


def test_parse_rest_history() -> None:
    """The §4.5 answer gives one bar with its OHLCV and ms start time."""
    assert parse_history(HISTORY) == [Bar(1692345600000, 173.4, 175.1, 171.7, 174.7, 472117.45)]


def test_parse_history_sorts_and_skips_bad_points() -> None:
    """Bars come oldest first; points missing prices are skipped; t in seconds is converted."""
    body = {"data": [
        {"o": 2, "h": 2, "l": 2, "c": 2, "v": 1, "t": 1692345660},
        {"o": 1, "h": 1, "l": 1, "c": 1, "t": 1692345600000},
        {"o": "x", "h": 1, "l": 1, "c": 1, "t": 1},
        "junk",
    ]}
    assert parse_history(body) == [
        Bar(1692345600000, 1.0, 1.0, 1.0, 1.0, 0.0),
        Bar(1692345660000, 2.0, 2.0, 2.0, 2.0, 1.0),
    ]


@pytest.mark.parametrize("body", [{"error": "No data."}, {"data": None}, [], None, "text"])
def test_parse_history_without_data(body: object) -> None:
    """Answers without data give no bars."""
    assert parse_history(body) == []


@pytest.mark.parametrize(("code", "expected"), [
    ("S", "live"), ("R", "live"), ("D", "delayed"), ("Z", "frozen"), ("Y", "frozen_delayed"),
    (None, None)])
def test_history_answers_carry_their_data_qualifier(code: str | None, expected: str | None) -> None:
    """``mdAvailability`` (§4.3; history says S for streaming) and ``mktDataDelay`` travel with
    the bars, so a delayed chart is never drawn as live (§11)."""
    body: dict[str, object] = {"data": [{"o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 10,
                                         "t": 1700229600000}], "mktDataDelay": 900}
    if code is not None:
        body["mdAvailability"] = code
    page = parse_history(body)
    assert len(page) == 1 and page.availability == expected and page.delay_s == 900
