"""The paper accounts as a service: every answer about accounts, positions, P&L and margin.

:class:`Portfolio` owns the :class:`~.accounts.PaperAccount` objects and values them with the
market marks it is given. It serves ``/iserver/accounts``, ``/portfolio/*``, the P&L and
summary/ledger topics, the pre-trade margin check and what-if figures; the order engine only
books fills into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ibkr_desktop.protocol.portfolio import is_paper_account

from .accounts import Metrics, PaperAccount, commission_for
from .brokerage_error import BrokerageError
from .orders import Contract, Order
from .portfolio_views import (
    PAGE_SIZE,
    account_object,
    ledger_object,
    ledger_rows,
    pnl_row,
    position2_object,
    position_object,
    summary_object,
    summary_rows,
    whatif_object,
)

NO_DATA_WARNING = (
    "21/You are trying to submit an order without having market data for this instrument. "
    "IB strongly recommends against this kind of blind trading which may result in erroneous "
    "or unexpected trades."
)
_SERVER_INFO = {"serverName": "DemoGW1", "serverVersion": "Build 10.25.0p (ibkr-desktop demo)"}


class Portfolio:
    """Paper accounts valued at the market.

    Args:
        account_ids: The accounts; the first is selected.
        starting_cash: Opening cash of each account (USD).
        mark: Valuation price of a conid (None without market data).
        contract_of: Instrument facts of a conid.
        clock: Epoch milliseconds now.
        positions_cache_ms: Age at which the positions cache rebuilds itself (IBKR's cache is
            stale or incomplete until then, §11).
    """

    def __init__(
        self,
        account_ids: Iterable[str],
        starting_cash: float,
        mark: Callable[[int], float | None],
        contract_of: Callable[[int], Contract],
        clock: Callable[[], int],
        positions_cache_ms: int = 60_000,
    ) -> None:
        self.accounts = {
            a: PaperAccount(a, cash=starting_cash, start_value=starting_cash) for a in account_ids
        }
        self.selected = next(iter(self.accounts))
        self._mark = mark
        self._contract_of = contract_of
        self._clock = clock
        self._cache_ms = positions_cache_ms
        self._cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}

    def account(self, account_id: str) -> PaperAccount:
        """The paper account ``account_id``.

        Raises:
            BrokerageError: 400 for an account this gateway does not have.
        """
        account = self.accounts.get(account_id)
        if account is None:
            raise BrokerageError(f"Bad Request: account {account_id} is not available", 400)
        return account

    def metrics(self, account_id: str) -> Metrics:
        """Market-dependent values of ``account_id`` right now."""
        return self.account(account_id).metrics(self._mark)

    def book_fill(self, order: Order, size: float, price: float, commission: float) -> None:
        """Book an execution of ``order`` (the positions cache does not notice, like IBKR's)."""
        self.accounts[order.account].apply_fill(order.conid, order.side, size, price, commission)

    # -- /iserver/accounts and account switching ------------------------------------------

    def iserver_accounts(self) -> dict[str, Any]:
        """``GET /iserver/accounts`` (§2.1) for paper accounts."""
        ids = list(self.accounts)
        props = {"hasChildAccounts": False, "supportsCashQty": True, "noFXConv": False,
                 "isProp": False, "supportsFractions": True, "allowCustomerTime": False}
        return {
            "accounts": ids, "acctProps": {a: dict(props) for a in ids},
            "aliases": {a: a for a in ids},
            "allowFeatures": {"showGFIS": True, "showEUCostReport": False,
                              "allowEventContract": False, "allowFXConv": True,
                              "allowTypeAhead": True, "snapshotRefreshTimeout": 30,
                              "liteUser": False, "showWebNews": False, "research": False,
                              "debugPnl": True, "allowedAssetTypes": "STK"},
            "chartPeriods": {"STK": ["*"]}, "groups": [], "profiles": [],
            "selectedAccount": self.selected, "serverInfo": dict(_SERVER_INFO),
            "sessionId": "demo.00000001", "isFT": False,
            "isPaper": all(is_paper_account(a) for a in ids),
        }

    def select(self, account_id: object) -> dict[str, Any]:
        """``POST /iserver/account``: switch the selected account."""
        if not isinstance(account_id, str) or account_id not in self.accounts:
            raise BrokerageError(f"Bad Request: account {account_id} is not available", 400)
        if account_id == self.selected:
            return {"success": "Account already set"}
        self.selected = account_id
        return {"set": True, "acctId": account_id}

    def portfolio_accounts(self) -> list[dict[str, Any]]:
        """``GET /portfolio/accounts`` and ``/portfolio/subaccounts``."""
        return [account_object(a) for a in self.accounts]

    def meta(self, account_id: str) -> dict[str, Any]:
        """``GET /portfolio/{acct}/meta``."""
        return account_object(self.account(account_id).account_id)

    # -- values ---------------------------------------------------------------------------

    def summary(self, account_id: str) -> dict[str, Any]:
        """``GET /portfolio/{acct}/summary``."""
        return summary_object(self.account(account_id), self.metrics(account_id), self._now_s())

    def ledger(self, account_id: str) -> dict[str, Any]:
        """``GET /portfolio/{acct}/ledger``."""
        return ledger_object(self.account(account_id), self.metrics(account_id), self._now_s())

    def summary_rows(self, account_id: str) -> list[dict[str, Any]]:
        """``ssd`` rows ([] for an unknown account: nothing to stream)."""
        if account_id not in self.accounts:
            return []
        return summary_rows(self.accounts[account_id], self.metrics(account_id), self._now_s())

    def ledger_rows(self, account_id: str) -> list[dict[str, Any]]:
        """``sld`` rows ([] for an unknown account)."""
        if account_id not in self.accounts:
            return []
        return ledger_rows(self.accounts[account_id], self.metrics(account_id), self._now_s())

    def pnl(self, excess_key: str) -> dict[str, Any]:
        """``{"<acct>.Core": row}`` for all accounts; ``excess_key`` ``"el"`` or ``"uel"``."""
        return {f"{a}.Core": pnl_row(self.metrics(a), excess_key) for a in self.accounts}

    def _now_s(self) -> int:
        return self._clock() // 1000

    # -- positions --------------------------------------------------------------------------

    def positions(self, account_id: str, page: int) -> list[dict[str, Any]]:
        """``GET /portfolio/{acct}/positions/{page}``: 100 per page, served from a cache.

        As IBKR's (§11): the list is built by the first read and then served as it was
        (prices, and holdings: a position a later fill opened or closed is missing or stale)
        until :meth:`invalidate` or until it is ``positions_cache_ms`` old.
        """
        account = self.account(account_id)
        now = self._clock()
        cached = self._cache.get(account_id)
        if cached is None or now - cached[0] >= self._cache_ms:
            rows = [
                position_object(account_id, h, account.valuation(h, self._mark),
                                self._contract_of(h.conid))
                for h in account.open_holdings()
            ]
            cached = self._cache[account_id] = (now, rows)
        rows = cached[1]
        return rows[page * PAGE_SIZE:(page + 1) * PAGE_SIZE] if page >= 0 else []

    def invalidate(self, account_id: str) -> dict[str, Any]:
        """``POST /portfolio/{acct}/positions/invalidate``."""
        self.account(account_id)
        self._cache.pop(account_id, None)
        return {"message": "success"}

    def live_positions(self, account_id: str, conid: int | None = None) -> list[dict[str, Any]]:
        """Uncached positions in the §2.6 shape (``/portfolio/{acct}/position/{conid}``)."""
        account = self.account(account_id)
        return [
            position_object(account_id, h, account.valuation(h, self._mark),
                            self._contract_of(h.conid))
            for h in account.open_holdings() if conid is None or h.conid == conid
        ]

    def positions2(self, account_id: str) -> list[dict[str, Any]]:
        """``GET /portfolio2/{acct}/positions``: uncached, flatter shape."""
        account = self.account(account_id)
        now = self._clock()
        return [
            position2_object(h, account.valuation(h, self._mark), self._contract_of(h.conid), now)
            for h in account.open_holdings()
        ]

    # -- margin -----------------------------------------------------------------------------

    def check_margin(self, order: Order, price: float) -> None:
        """Reject an order whose initial margin exceeds the account's available funds."""
        account = self.account(order.account)
        needed, _ = account.margin_change(order.conid, order.side, order.quantity, price)
        available = self.metrics(order.account).available_funds
        if needed > available:
            raise BrokerageError(
                "Your order is not accepted because your Equity with Loan Value is "
                f"insufficient to cover the Initial Margin requirement of {needed:,.2f} USD "
                f"(available funds {available:,.2f} USD).")

    def whatif(self, order: Order, price: float, warn_no_data: bool) -> dict[str, Any]:
        """``/orders/whatif`` figures for ``order`` executed at ``price``."""
        account = self.account(order.account)
        value = order.quantity * price
        commission = commission_for(order.quantity, value)
        change = account.margin_change(order.conid, order.side, order.quantity, price)
        metrics = self.metrics(order.account)
        signed = order.quantity if order.side == "BUY" else -order.quantity
        error = None
        if change[0] > metrics.available_funds:
            error = "Insufficient available funds: the order needs more initial margin."
        return whatif_object(
            metrics, change, (account.position(order.conid), signed),
            (value, commission, order.quantity),
            NO_DATA_WARNING if warn_no_data else None, error)
