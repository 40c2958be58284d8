"""Accounts, positions, P&L, summary, ledger and contract search answers (§2, §3.2)."""

from __future__ import annotations

import pytest

from ibkr_desktop.protocol.events import (
    AccountsInfo,
    AccountSummaryUpdate,
    ContractMatch,
    LedgerUpdate,
    PnlUpdate,
    Position,
)
from ibkr_desktop.protocol.item_lists import ItemsRead, read_items, unreadable_text
from ibkr_desktop.protocol.portfolio import (
    parse_accounts,
    parse_ledger,
    parse_pnl_partitioned,
    parse_position,
    parse_positions,
    parse_search_results,
    parse_summary,
)


def test_iserver_accounts() -> None:
    """/iserver/accounts gives the account list, the selected account and live mode."""
    body = {
        "accounts": ["U1234567"], "acctProps": {"U1234567": {"supportsFractions": True}},
        "aliases": {"U1234567": "U1234567"}, "selectedAccount": "U1234567",
        "sessionId": "1234a5b.12345678", "isFT": False, "isPaper": False,
    }
    assert parse_accounts(body) == AccountsInfo(("U1234567",), "U1234567", False)


def test_portfolio_accounts_array() -> None:
    """/portfolio/accounts (array of account objects) gives their ids."""
    body = [{"id": "U1234567", "accountId": "U1234567", "currency": "USD", "type": "DEMO"},
            {"id": "U7654321"}]
    assert parse_accounts(body) == AccountsInfo(("U1234567", "U7654321"), None, None)


SPY = {
    "acctId": "U1234567", "conid": 756733, "contractDesc": "SPY", "position": 100.0,
    "mktPrice": 454.44000245, "mktValue": 45444.0, "currency": "USD",
    "avgCost": 437.43, "avgPrice": 437.43, "realizedPnl": 0.0, "unrealizedPnl": 1701.0,
    "exchs": None, "expiry": None, "putOrCall": None, "multiplier": 0.0, "strike": "0",
    "assetClass": "STK", "listingExchange": "ARCA", "name": "SPDR S&P 500 ETF TRUST",
    "ticker": "SPY", "type": "ETF", "baseMktValue": 45444.0,
}


def test_position() -> None:
    """The §2.6 position is 100 SPY with its cost, price, value and P&L."""
    assert parse_position(SPY) == Position(
        "U1234567", 756733, "SPY", 100.0, 437.43, 454.44000245, 45444.0, 1701.0, 0.0, "USD"
    )


def test_positions_page_skips_unreadable_items() -> None:
    """A page of positions keeps the readable ones; an empty page is empty."""
    assert parse_positions([SPY, {"conid": "x"}]) == [parse_position(SPY)]
    assert parse_positions([]) == []
    with pytest.raises(ValueError, match="no readable position"):
        parse_position({"conid": 1})


def test_read_items_keeps_a_reason_per_unreadable_item() -> None:
    """Every element that is not a readable position yields a reason, none is lost."""
    read = read_items([SPY, {"conid": "x", "position": 1}, "junk"], parse_position)
    assert read.items == (parse_position(SPY),)
    assert [p.split(" in ")[0] for p in read.problems] == [
        "no readable conid", "not an object: 'junk'"]
    assert unreadable_text(read.problems, "position", "/portfolio/U1234567/positions/0") == (
        "Could not read 2 positions from /portfolio/U1234567/positions/0: no readable conid in "
        "{'conid': 'x', 'position': 1} (and 1 more)")
    assert read_items({"error": "x"}, parse_position) == ItemsRead((), ())


def test_uncached_portfolio2_position() -> None:
    """§11: /portfolio2 has a string conid, description, marketPrice and marketValue."""
    item = {"conid": "756733", "description": "SPY", "position": 100.0, "marketPrice": 454.44,
            "marketValue": 45444.0, "avgCost": 437.43, "currency": "USD",
            "unrealizedPnl": 1701.0, "realizedPnl": 0.0}
    assert parse_position(item) == Position(
        "", 756733, "SPY", 100.0, 437.43, 454.44, 45444.0, 1701.0, 0.0, "USD")


def test_pnl_partitioned_uses_el() -> None:
    """REST partitioned P&L reports excess liquidity from el."""
    body = {"upnl": {"U1234567.Core": {"rowType": 1, "dpl": 15.7, "nl": 10000.0, "upl": 607.0,
                                        "el": 10000.0, "mv": 0.0}}}
    assert parse_pnl_partitioned(body) == [
        PnlUpdate("U1234567", 15.7, 607.0, 10000.0, 10000.0, 0.0)
    ]


def test_rest_summary() -> None:
    """The §2.4 summary gives text for the account code and numbers for money keys."""
    body = {
        "accountcode": {"amount": 0.0, "currency": None, "isNull": False,
                        "timestamp": 1702582422000, "value": "U1234567", "severity": 0},
        "netliquidation": {"amount": 1005165.5, "currency": "USD", "isNull": False,
                           "timestamp": 1702582422000, "value": "1005165.5", "severity": 0},
        "buyingpower": {"amount": 3984328.97, "currency": "USD", "isNull": False,
                        "timestamp": 1702582422000, "value": "3984328.97", "severity": 0},
    }
    assert parse_summary("U1234567", body) == AccountSummaryUpdate(
        "U1234567",
        {"accountcode": "U1234567", "netliquidation": 1005165.5, "buyingpower": 3984328.97},
    )


def test_rest_ledger() -> None:
    """The §2.5 ledger gives one update per currency with lower-case amounts."""
    body = {
        "USD": {"cashbalance": 214716688.0, "exchangerate": 1, "currency": "USD",
                "acctcode": "U1234567", "key": "LedgerList", "timestamp": 1702582321,
                "severity": 0, "secondkey": "USD", "unrealizedpnl": 39695.82, "endofbundle": 1},
        "BASE": {"cashbalance": 1.0, "currency": "BASE", "secondkey": "BASE"},
    }
    assert parse_ledger("U1234567", body) == [
        LedgerUpdate("U1234567", "USD", {"cashbalance": 214716688.0, "exchangerate": 1.0,
                                         "unrealizedpnl": 39695.82}),
        LedgerUpdate("U1234567", "BASE", {"cashbalance": 1.0}),
    ]


def test_secdef_search() -> None:
    """The §3.2 search result (string conid) is AAPL on NASDAQ, a stock."""
    body = [{
        "conid": "265598", "companyHeader": "APPLE INC - NASDAQ", "companyName": "APPLE INC",
        "symbol": "AAPL", "description": "NASDAQ", "restricted": None, "fop": None,
        "opt": "20241018;20241025;...", "war": "20241018;...",
        "sections": [
            {"secType": "STK"},
            {"secType": "OPT", "months": "OCT24;NOV24;...;JAN27", "exchange": "SMART;AMEX"},
            {"secType": "CFD", "exchange": "SMART", "conid": "120549942"},
        ],
    }]
    assert parse_search_results(body) == [
        ContractMatch(265598, "AAPL", "APPLE INC", "NASDAQ", "STK")
    ]


def test_search_skips_results_without_conid() -> None:
    """Results without a usable conid are dropped; an error body gives no matches."""
    assert parse_search_results([{"symbol": "X"}, {"conid": "-1", "symbol": "Y"}]) == []
    assert parse_search_results({"error": "no results"}) == []
