"""Paper accounts of the demo gateway: cash, positions, realized P&L, commissions and margin.

A :class:`PaperAccount` is the ledger the matching engine books fills into. It stores only
what a fill changes (cash, quantities, cost basis, realized P&L, commissions); everything that
moves with the market (market value, unrealized and daily P&L, net liquidation, margin,
buying power, excess liquidity) is computed on demand by :meth:`PaperAccount.metrics` from a
``mark`` callback, so every answer follows the simulated market without bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Mark = Callable[[int], float | None]
"""Current valuation price of a conid, or None when the market has none."""

COMMISSION_PER_SHARE = 0.005
COMMISSION_MIN = 1.0
COMMISSION_MAX_RATE = 0.01
LONG_INITIAL_MARGIN = 0.25
LONG_MAINT_MARGIN = 0.20
SHORT_INITIAL_MARGIN = 0.30
SHORT_MAINT_MARGIN = 0.30
BUYING_POWER_LEVERAGE = 4.0
DEFAULT_STARTING_CASH = 1_000_000.0


def commission_for(shares: float, value: float) -> float:
    """IBKR Pro fixed-like commission for an order's cumulative ``shares`` worth ``value``.

    $0.005 per share, at least $1, at most 1 % of the trade value. Callers charge the
    difference between successive cumulative amounts, so the minimum applies per order, not
    per partial execution (as IBKR does).
    """
    fee = max(COMMISSION_MIN, COMMISSION_PER_SHARE * abs(shares))
    return round(min(fee, COMMISSION_MAX_RATE * abs(value)), 2)


@dataclass(slots=True)
class Holding:
    """One position: signed quantity and cost basis.

    ``avg_cost`` includes commissions (IBKR's ``avgCost``), ``avg_price`` does not
    (``avgPrice``); both are per share of the open quantity.
    """

    conid: int
    quantity: float = 0.0
    avg_cost: float = 0.0
    avg_price: float = 0.0
    realized_pnl: float = 0.0
    last_price: float | None = None


@dataclass(frozen=True, slots=True)
class Metrics:
    """Account values at one instant (all USD)."""

    cash: float
    market_value: float
    gross_position_value: float
    net_liquidation: float
    unrealized_pnl: float
    realized_pnl: float
    daily_pnl: float
    init_margin: float
    maint_margin: float
    available_funds: float
    excess_liquidity: float
    buying_power: float
    commissions: float

    @property
    def cushion(self) -> float:
        """Excess liquidity as a fraction of net liquidation (IBKR ``Cushion``)."""
        return self.excess_liquidity / self.net_liquidation if self.net_liquidation else 0.0


@dataclass(slots=True)
class PaperAccount:
    """A paper account's books. Fills come in through :meth:`apply_fill`.

    Daily P&L is measured against ``start_value``: net liquidation at the prior close when the
    trading day began (the starting cash for a fresh account), which is what IBKR's ``dpl``
    amounts to when no money moves in or out.
    """

    account_id: str
    cash: float = DEFAULT_STARTING_CASH
    holdings: dict[int, Holding] = field(default_factory=dict)
    realized_pnl: float = 0.0
    commissions: float = 0.0
    start_value: float = DEFAULT_STARTING_CASH

    def position(self, conid: int) -> float:
        """Signed quantity held in ``conid`` (0 when flat)."""
        holding = self.holdings.get(conid)
        return holding.quantity if holding else 0.0

    def open_holdings(self) -> list[Holding]:
        """Non-flat positions, ordered by conid for stable paging."""
        return [h for _, h in sorted(self.holdings.items()) if h.quantity]

    def open_position(
        self, conid: int, quantity: float, avg_price: float, prior_close: float
    ) -> None:
        """Start the day already holding ``quantity`` of ``conid`` bought at ``avg_price``.

        The purchase was paid from cash on an earlier day, so daily P&L is measured from the
        position's value at ``prior_close`` (IBKR's daily P&L does the same).
        """
        self.cash -= quantity * avg_price
        self.holdings[conid] = Holding(
            conid, quantity, avg_cost=avg_price, avg_price=avg_price, last_price=prior_close
        )
        self.start_value += quantity * (prior_close - avg_price)

    def apply_fill(
        self, conid: int, side: str, size: float, price: float, commission: float
    ) -> float:
        """Book an execution and return the realized P&L it produced.

        Buying reduces cash by value plus commission, selling adds value minus commission;
        shorting is allowed. A fill that reduces a position realizes
        ``(price - avg_cost) * closed`` (sign-adjusted) minus its share of the commission;
        a fill that crosses zero closes the old side and opens the rest at ``price``.
        """
        signed = size if side == "BUY" else -size
        self.cash -= signed * price + commission
        self.commissions += commission
        holding = self.holdings.setdefault(conid, Holding(conid))
        holding.last_price = price
        old = holding.quantity
        closing = min(abs(signed), abs(old)) if old and (old > 0) != (signed > 0) else 0.0
        opening = abs(signed) - closing
        fee_per_share = commission / size if size else 0.0
        realized = 0.0
        if closing:
            direction = 1.0 if old > 0 else -1.0
            realized = (price - holding.avg_cost) * closing * direction - fee_per_share * closing
            holding.quantity = old - closing * direction
        if opening:
            now_qty = abs(holding.quantity)
            sign = 1.0 if signed > 0 else -1.0
            # Commission raises a long's cost basis and lowers a short's.
            unit_cost = price + fee_per_share * sign
            total = now_qty + opening
            holding.avg_cost = (holding.avg_cost * now_qty + unit_cost * opening) / total
            holding.avg_price = (holding.avg_price * now_qty + price * opening) / total
            holding.quantity += sign * opening
        if not holding.quantity:
            holding.avg_cost = holding.avg_price = 0.0
        holding.realized_pnl += realized
        self.realized_pnl += realized
        return realized

    def valuation(self, holding: Holding, mark: Mark) -> float:
        """Price used to value ``holding``: the market mark, else the last fill price."""
        price = mark(holding.conid)
        if price is None:
            price = holding.last_price if holding.last_price is not None else holding.avg_price
        return price

    def metrics(self, mark: Mark) -> Metrics:
        """Compute every market-dependent value from the current marks.

        Margin is a Reg-T-like flat rate per side; buying power is four times the available
        funds (intraday leverage of a margin account).
        """
        long_value = short_value = unrealized = 0.0
        init = maint = 0.0
        for holding in self.open_holdings():
            price = self.valuation(holding, mark)
            value = holding.quantity * price
            unrealized += (price - holding.avg_cost) * holding.quantity
            if value >= 0:
                long_value += value
                init += value * LONG_INITIAL_MARGIN
                maint += value * LONG_MAINT_MARGIN
            else:
                short_value += -value
                init += -value * SHORT_INITIAL_MARGIN
                maint += -value * SHORT_MAINT_MARGIN
        market_value = long_value - short_value
        net_liq = self.cash + market_value
        available = net_liq - init
        return Metrics(
            cash=self.cash,
            market_value=market_value,
            gross_position_value=long_value + short_value,
            net_liquidation=net_liq,
            unrealized_pnl=unrealized,
            realized_pnl=self.realized_pnl,
            daily_pnl=net_liq - self.start_value,
            init_margin=init,
            maint_margin=maint,
            available_funds=available,
            excess_liquidity=net_liq - maint,
            buying_power=max(available, 0.0) * BUYING_POWER_LEVERAGE,
            commissions=self.commissions,
        )

    def margin_change(
        self, conid: int, side: str, quantity: float, price: float
    ) -> tuple[float, float]:
        """Extra (initial, maintenance) margin an order would need; (0, 0) if it only reduces.

        Used for the pre-trade margin check and for what-if answers.
        """
        held = self.position(conid)
        after = held + (quantity if side == "BUY" else -quantity)
        same_side = (after >= 0) == (held >= 0)
        growth = max(abs(after) - abs(held), 0.0) if same_side else abs(after)
        if after > 0:
            return growth * price * LONG_INITIAL_MARGIN, growth * price * LONG_MAINT_MARGIN
        return growth * price * SHORT_INITIAL_MARGIN, growth * price * SHORT_MAINT_MARGIN
