"""IBKR-shaped JSON for a paper account: positions, summary, ledger and P&L rows.

Pure rendering: each function turns a :class:`~.accounts.PaperAccount` (plus its
:class:`~.accounts.Metrics` and instrument descriptions) into the exact dictionaries of the
reference (§2.3-2.7 for REST, §6.11-6.12 for the ``spl``/``ssd``/``sld`` topics), so the REST
and WebSocket answers cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .accounts import Holding, Metrics, PaperAccount
from .orders import Contract

CURRENCY = "USD"
PAGE_SIZE = 100

# (ssd key, Metrics attribute) for every monetary summary row. REST /summary uses the same
# keys lower-cased, which is exactly the published schema ("netliquidation", "excessliquidity-s").
_MONETARY_ROWS: tuple[tuple[str, str], ...] = (
    ("NetLiquidation", "net_liquidation"),
    ("NetLiquidation-S", "net_liquidation"),
    ("TotalCashValue", "cash"),
    ("TotalCashValue-S", "cash"),
    ("SettledCash", "cash"),
    ("EquityWithLoanValue", "net_liquidation"),
    ("EquityWithLoanValue-S", "net_liquidation"),
    ("GrossPositionValue", "gross_position_value"),
    ("GrossPositionValue-S", "gross_position_value"),
    ("InitMarginReq", "init_margin"),
    ("InitMarginReq-S", "init_margin"),
    ("MaintMarginReq", "maint_margin"),
    ("MaintMarginReq-S", "maint_margin"),
    ("AvailableFunds", "available_funds"),
    ("AvailableFunds-S", "available_funds"),
    ("ExcessLiquidity", "excess_liquidity"),
    ("ExcessLiquidity-S", "excess_liquidity"),
    ("BuyingPower", "buying_power"),
    ("UnrealizedPnL", "unrealized_pnl"),
    ("RealizedPnL", "realized_pnl"),
)


def _money(value: float) -> float:
    return round(value, 2)


def _unit(value: float) -> float:
    """Per-share amounts (average cost/price) without float noise."""
    return round(value, 6)


def account_object(account_id: str) -> dict[str, Any]:
    """One ``/portfolio/accounts`` item (also ``/subaccounts`` and ``/{acct}/meta``)."""
    return {
        "id": account_id, "PrepaidCrypto-Z": False, "PrepaidCrypto-P": False,
        "brokerageAccess": True, "accountId": account_id, "accountVan": account_id,
        "accountTitle": "Paper Trading Account", "displayName": account_id, "accountAlias": None,
        "accountStatus": 1644814800000, "currency": CURRENCY, "type": "DEMO",
        "tradingType": "PMRGN", "businessType": "IB_PROSERVE", "ibEntity": "IBLLC-US",
        "faclient": False, "clearingStatus": "O", "covestor": False, "noClientTrading": False,
        "trackVirtualFXPortfolio": True, "acctCustType": "INDIVIDUAL",
        "parent": {"mmc": [], "accountId": "", "isMParent": False, "isMChild": False,
                   "isMultiplex": False},
        "desc": account_id,
    }


def summary_rows(account: PaperAccount, metrics: Metrics, now_s: int) -> list[dict[str, Any]]:
    """``ssd`` result rows: ``AccountCode``/``AccountType`` with ``value``, the rest monetary."""
    rows: list[dict[str, Any]] = [
        {"key": "AccountCode", "value": account.account_id, "severity": 0, "timestamp": now_s},
        {"key": "AccountType", "value": "INDIVIDUAL", "severity": 0, "timestamp": now_s},
        {"key": "Cushion", "value": f"{metrics.cushion:.6f}", "severity": 0, "timestamp": now_s},
    ]
    rows.extend(
        {"key": key, "currency": CURRENCY, "monetaryValue": _money(getattr(metrics, attr)),
         "severity": 0, "timestamp": now_s}
        for key, attr in _MONETARY_ROWS
    )
    return rows


def summary_object(account: PaperAccount, metrics: Metrics, now_s: int) -> dict[str, Any]:
    """``GET /portfolio/{acct}/summary``: lower-case keys, each ``{amount, currency, value...}``."""
    result: dict[str, Any] = {}
    for row in summary_rows(account, metrics, now_s):
        if "monetaryValue" in row:
            amount = row["monetaryValue"]
            entry = {"amount": amount, "currency": CURRENCY, "value": str(amount)}
        else:
            entry = {"amount": 0.0, "currency": None, "value": row["value"]}
        entry.update(isNull=False, timestamp=now_s, severity=0)
        result[row["key"].lower()] = entry
    return result


def _ledger_values(account: PaperAccount, metrics: Metrics) -> dict[str, float]:
    return {
        "cashbalance": _money(metrics.cash),
        "settledcash": _money(metrics.cash),
        "netliquidationvalue": _money(metrics.net_liquidation),
        "stockmarketvalue": _money(metrics.market_value),
        "unrealizedpnl": _money(metrics.unrealized_pnl),
        "realizedpnl": _money(metrics.realized_pnl),
        "exchangerate": 1.0,
        "interest": 0.0, "dividends": 0.0, "funds": 0.0, "moneyfunds": 0.0,
        "commoditymarketvalue": 0.0, "futuremarketvalue": 0.0, "corporatebondsmarketvalue": 0.0,
        "warrantsmarketvalue": 0.0, "issueroptionsmarketvalue": 0.0,
        "stockoptionmarketvalue": 0.0, "futuresonlypnl": 0.0, "tbondsmarketvalue": 0.0,
        "futureoptionmarketvalue": 0.0, "cashbalancefxsegment": 0.0, "tbillsmarketvalue": 0.0,
        "cryptocurrencyvalue": 0.0,
    }


def ledger_object(account: PaperAccount, metrics: Metrics, now_s: int) -> dict[str, Any]:
    """``GET /portfolio/{acct}/ledger``: one block per currency plus ``BASE`` (same in USD)."""
    result: dict[str, Any] = {}
    for currency in (CURRENCY, "BASE"):
        block: dict[str, Any] = dict(_ledger_values(account, metrics))
        block.update(currency=currency, secondkey=currency, acctcode=account.account_id,
                     key="LedgerList", sessionid=1, severity=0, timestamp=now_s, endofbundle=1)
        result[currency] = block
    return result


_SLD_NAMES = {
    "exchangerate": "exchangeRate", "netliquidationvalue": "netLiquidationValue",
    "unrealizedpnl": "unrealizedPnl", "realizedpnl": "realizedPnl", "settledcash": "settledCash",
    "stockmarketvalue": "stockMarketValue",
}


def ledger_rows(account: PaperAccount, metrics: Metrics, now_s: int) -> list[dict[str, Any]]:
    """``sld`` result rows (``LedgerListBASE`` and ``LedgerListUSD``) with ``acctCode``."""
    values = _ledger_values(account, metrics)
    rows = []
    for currency in ("BASE", CURRENCY):
        row: dict[str, Any] = {"acctCode": account.account_id, "key": f"LedgerList{currency}",
                               "secondKey": currency, "currency": currency}
        row.update({_SLD_NAMES.get(name, name): value for name, value in values.items()})
        row.update(severity=0, timestamp=now_s)
        rows.append(row)
    return rows


def pnl_row(metrics: Metrics, excess_key: str) -> dict[str, Any]:
    """One ``"<acct>.Core"`` P&L row; ``excess_key`` is ``"el"`` (REST) or ``"uel"`` (``spl``)."""
    return {
        "rowType": 1,
        "dpl": _money(metrics.daily_pnl),
        "nl": _money(metrics.net_liquidation),
        "upl": _money(metrics.unrealized_pnl),
        excess_key: _money(metrics.excess_liquidity),
        "mv": _money(metrics.market_value),
    }


def position_object(
    account_id: str, holding: Holding, price: float, contract: Contract
) -> dict[str, Any]:
    """One ``/portfolio/{acct}/positions/{page}`` item (§2.6, including the ``base*`` twins)."""
    symbol = contract.symbol
    value = holding.quantity * price
    unrealized = (price - holding.avg_cost) * holding.quantity
    return {
        "acctId": account_id, "conid": holding.conid, "contractDesc": symbol,
        "position": holding.quantity, "mktPrice": price, "mktValue": _money(value),
        "currency": CURRENCY, "avgCost": _unit(holding.avg_cost),
        "avgPrice": _unit(holding.avg_price),
        "realizedPnl": _money(holding.realized_pnl), "unrealizedPnl": _money(unrealized),
        "exchs": None, "expiry": None, "putOrCall": None, "multiplier": 0.0, "strike": "0",
        "exerciseStyle": None, "conExchMap": [], "assetClass": contract.sec_type,
        "undConid": 0, "model": "", "time": 0,
        "allExchanges": "SMART", "listingExchange": contract.exchange,
        "countryCode": "US", "name": contract.name, "lastTradingDay": None,
        "group": None, "sector": None, "sectorGroup": None, "ticker": symbol,
        "type": contract.sec_type, "hasOptions": False, "fullName": symbol,
        "isUS": True, "isEventContract": False, "pageSize": PAGE_SIZE,
        "incrementRules": [{"lowerEdge": 0.0, "increment": 0.01}],
        "displayRule": {"magnification": 0, "displayRuleStep": [
            {"decimalDigits": 2, "lowerEdge": 0.0, "wholeDigits": 4}]},
        "baseMktValue": _money(value), "baseMktPrice": price,
        "baseAvgCost": _unit(holding.avg_cost), "baseAvgPrice": _unit(holding.avg_price),
        "baseRealizedPnl": _money(holding.realized_pnl), "baseUnrealizedPnl": _money(unrealized),
    }


def position2_object(
    holding: Holding, price: float, contract: Contract, now_ms: int
) -> dict[str, Any]:
    """One ``/portfolio2/{acct}/positions`` item (the newer, uncached, flatter shape)."""
    symbol = contract.symbol
    return {
        "position": holding.quantity, "conid": str(holding.conid),
        "avgCost": _unit(holding.avg_cost), "avgPrice": _unit(holding.avg_price),
        "currency": CURRENCY, "description": symbol,
        "isLastToLoq": False, "marketPrice": price,
        "marketValue": _money(holding.quantity * price),
        "realizedPnl": _money(holding.realized_pnl),
        "secType": contract.sec_type, "timestamp": now_ms,
        "unrealizedPnl": _money((price - holding.avg_cost) * holding.quantity),
        "assetClass": contract.sec_type, "sector": None, "group": None,
        "model": "",
    }


def _whole(value: float) -> str:
    return f"{value:,.0f}"


def whatif_object(
    metrics: Metrics,
    margin_change: tuple[float, float],
    position: tuple[float, float],
    amount: tuple[float, float, float],
    warn: str | None,
    error: str | None,
) -> dict[str, Any]:
    """``/orders/whatif`` answer (§5.8): formatted current/change/after triples.

    Args:
        metrics: The account now.
        margin_change: Extra (initial, maintenance) margin the order needs.
        position: (current signed position, signed order quantity).
        amount: (order value, estimated commission, quantity) in USD/shares.
        warn: ``"<code>/<text>"`` warning, or None.
        error: Rejection text, or None.
    """
    value, commission, quantity = amount
    init, maint = margin_change
    held, change = position

    def triple(current: float, delta: float) -> dict[str, str]:
        return {"current": _whole(current), "change": _whole(delta),
                "after": _whole(current + delta)}

    return {
        "amount": {"amount": f"{value:,.2f} {CURRENCY} ({quantity:g} Shares)",
                   "commission": f"{commission:g} {CURRENCY}",
                   "total": f"{value + commission:,.2f} {CURRENCY}"},
        "equity": triple(metrics.net_liquidation, -commission),
        "initial": triple(metrics.init_margin, init),
        "maintenance": triple(metrics.maint_margin, maint),
        "position": {"current": f"{held:g}", "change": f"{change:g}",
                     "after": f"{held + change:g}"},
        "warn": warn,
        "error": error,
    }
