"""Parsing of account, position, P&L, summary, ledger and contract-search answers (§2, §3.2).

The REST answers and their WebSocket twins (``act``, ``spl``, ``ssd``, ``sld``) share shapes, so
``frames`` reuses these functions; each tolerates the spelling variants IBKR is known to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.events import (
    AccountsInfo,
    AccountSummaryUpdate,
    ContractMatch,
    LedgerUpdate,
    PnlUpdate,
    Position,
)
from ibkr_desktop.protocol.item_lists import read_items

# Ledger row keys that describe the row rather than hold an amount.
_LEDGER_META = frozenset({"key", "secondkey", "acctcode", "currency", "severity", "timestamp",
                          "sessionid", "endofbundle"})


PAPER_ACCOUNT_PREFIX = "DU"


def is_paper_account(account_id: str | None) -> bool:
    """True for an IBKR paper-trading account id (``DU…``); live accounts start with ``U``."""
    return bool(account_id) and str(account_id).upper().startswith(PAPER_ACCOUNT_PREFIX)


class TradingMode(StrEnum):
    """Which money is at stake, as the mode banner, the window title and the tray show it."""

    DEMO = "DEMO"
    PAPER = "PAPER"
    LIVE = "LIVE"
    UNKNOWN = "UNKNOWN"


def trading_mode(*, demo: bool, account: str | None, is_paper: bool | None = None) -> TradingMode:
    """The one rule for the trading mode.

    DEMO against the embedded gateway; otherwise PAPER or LIVE once the gateway has said so
    (``isPaper``) or named the account (``DU…`` is paper). Before that the mode is UNKNOWN:
    claiming either would be a guess about the user's money.
    """
    if demo:
        return TradingMode.DEMO
    if is_paper or (is_paper is None and is_paper_account(account)):
        return TradingMode.PAPER
    if is_paper is False or account:
        return TradingMode.LIVE
    return TradingMode.UNKNOWN


def parse_accounts(body: object) -> AccountsInfo:
    """``/iserver/accounts`` or ``act`` args (object) or ``/portfolio/accounts`` (array)."""
    if isinstance(body, Mapping):
        raw = body.get("accounts")
        accounts = tuple(str(a) for a in raw if _coerce.text(a)) if isinstance(raw, list) else ()
        return AccountsInfo(accounts, _coerce.text(body.get("selectedAccount")),
                            _coerce.flag(body.get("isPaper")))
    ids = (_coerce.text(_coerce.first(item, "accountId", "id")) for item in _coerce.records(body))
    return AccountsInfo(tuple(i for i in ids if i), None, None)


def parse_position(d: Mapping[str, object]) -> Position:
    """One ``/portfolio/{acct}/positions`` or ``/portfolio2/{acct}/positions`` item -> Position
    (portfolio2: string conid, ``description``, ``marketPrice``/``marketValue``; §11).

    Raises:
        ValueError: conid or position size missing/unreadable.
    """
    conid = _coerce.integer(d.get("conid"))
    quantity = _coerce.number(d.get("position"))
    if conid is None or quantity is None:
        missing = " and ".join(n for n, v in (("conid", conid), ("position", quantity))
                               if v is None)
        raise ValueError(f"no readable {missing} in {dict(d)!r}"[:300])
    symbol = _coerce.first(d, "ticker", "contractDesc", "description", "fullName")
    return Position(
        account=_coerce.text(_coerce.first(d, "acctId", "accountId")) or "",
        conid=conid,
        symbol=_coerce.text(symbol) or str(conid),
        quantity=quantity,
        avg_cost=_coerce.number(d.get("avgCost")),
        market_price=_coerce.number(_coerce.first(d, "mktPrice", "marketPrice")),
        market_value=_coerce.number(_coerce.first(d, "mktValue", "marketValue")),
        unrealized_pnl=_coerce.number(d.get("unrealizedPnl")),
        realized_pnl=_coerce.number(d.get("realizedPnl")),
        currency=_coerce.text(d.get("currency")),
    )


def parse_positions(body: object) -> list[Position]:
    """The readable positions of a page (array); the client uses
    ``read_items(body, parse_position)`` so that unreadable items are reported."""
    return list(read_items(body, parse_position).items)


def pnl_rows(rows: object) -> list[PnlUpdate]:
    """``{"DU1234.Core": {dpl, nl, upl, el|uel, mv}}`` -> one PnlUpdate per account row."""
    if not isinstance(rows, Mapping):
        return []
    updates = []
    for key, row in rows.items():
        if not isinstance(row, Mapping):
            continue
        updates.append(PnlUpdate(
            account=str(key).split(".", 1)[0],
            daily_pnl=_coerce.number(row.get("dpl")),
            unrealized_pnl=_coerce.number(row.get("upl")),
            net_liquidity=_coerce.number(row.get("nl")),
            excess_liquidity=_coerce.number(_coerce.first(row, "uel", "el")),
            market_value=_coerce.number(row.get("mv")),
        ))
    return updates


def parse_pnl_partitioned(body: object) -> list[PnlUpdate]:
    """``/iserver/account/pnl/partitioned`` (``{"upnl": {...}}``) -> PnlUpdate per account."""
    if isinstance(body, Mapping) and isinstance(body.get("upnl"), Mapping):
        return pnl_rows(body["upnl"])
    return pnl_rows(body)


def _summary_value(row: Mapping[str, object]) -> float | str | None:
    """Amount of a summary row: a number when it has one, else its text (account code...)."""
    monetary = _coerce.number(row.get("monetaryValue"))
    if monetary is not None:
        return monetary
    value = row.get("value")
    parsed = _coerce.number(value) if isinstance(value, str) else None
    if parsed is not None:
        return parsed
    if isinstance(value, str) and value:
        return value
    amount = _coerce.number(_coerce.first(row, "amount", "value"))
    return amount


def parse_summary(acct: str, body: object) -> AccountSummaryUpdate:
    """``/portfolio/{acct}/summary`` (object keyed by metric) or ``ssd`` result rows (array).

    Keys are lower-cased so both sources agree (``"netliquidation"``, ``"excessliquidity-s"``).
    """
    values: dict[str, float | str] = {}
    if isinstance(body, Mapping):
        pairs = [(str(k), row) for k, row in body.items() if isinstance(row, Mapping)]
    else:
        pairs = [(str(row.get("key", "")), row) for row in _coerce.records(body)]
    for key, row in pairs:
        value = _summary_value(row)
        if key and value is not None:
            values[key.lower()] = value
    return AccountSummaryUpdate(acct, values)


def _ledger_update(acct: str, key: str, row: Mapping[str, object]) -> LedgerUpdate | None:
    currency = _coerce.text(_coerce.first(row, "secondKey", "secondkey", "currency"))
    if not currency:
        currency = key.removeprefix("LedgerList") or "BASE"
    values: dict[str, float] = {}
    for name, raw in row.items():
        lowered = name.lower()
        number = _coerce.number(raw) if not isinstance(raw, str) else None
        if lowered not in _LEDGER_META and number is not None:
            values[lowered] = number
    if not values:
        return None  # "blank" row: this currency did not change
    account = _coerce.text(_coerce.first(row, "acctCode", "acctcode")) or acct
    return LedgerUpdate(account, currency.upper(), values)


def parse_ledger(acct: str, body: object) -> list[LedgerUpdate]:
    """``/portfolio/{acct}/ledger`` (object keyed by currency) or ``sld`` result rows (array).

    Blank rows (no amounts) are dropped; field names are lower-cased (``cashBalance`` and
    ``cashbalance`` both become ``"cashbalance"``).
    """
    if isinstance(body, Mapping):
        pairs = [(str(k), row) for k, row in body.items() if isinstance(row, Mapping)]
    else:
        pairs = [(str(row.get("key", "")), row) for row in _coerce.records(body)]
    updates = (_ledger_update(acct, key, row) for key, row in pairs)
    return [update for update in updates if update is not None]


def parse_search_results(body: object) -> list[ContractMatch]:
    """``/iserver/secdef/search`` -> ContractMatch per result with a usable conid (str or int)."""
    matches = []
    for item in _coerce.records(body):
        conid = _coerce.integer(item.get("conid"))
        if conid is None or conid <= 0:
            continue
        sections = _coerce.records(item.get("sections"))
        sec_type = _coerce.text(_coerce.first(item, "secType", "assetClass"))
        if sec_type is None and sections:
            sec_type = _coerce.text(sections[0].get("secType"))
        matches.append(ContractMatch(
            conid=conid,
            symbol=_coerce.text(item.get("symbol")) or "",
            name=_coerce.text(_coerce.first(item, "companyName", "name")) or "",
            exchange=_coerce.text(_coerce.first(item, "description", "exchange")) or "",
            sec_type=sec_type or "STK",
        ))
    return matches
