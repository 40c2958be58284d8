"""Realized P&L of each execution, worked out against the position's average cost.

IBKR's trades (``/iserver/account/trades`` §5.9, the ``str`` stream §6.10) carry no realized P&L;
only the positions do, summed per position (``realizedPnl``, §2.6). TWS writes it per execution
by the average-cost method, and so does this book: an execution that reduces a position realizes
``(price x multiplier - average cost) x shares closed`` (sign by the side of the position closed)
minus the commission of the closed part; an execution that opens or adds realizes 0. IBKR's
``avgCost`` includes the opening commissions, so the result is net of both commissions.

The book follows the positions snapshots (REST, every few seconds) and the executions between
them: an execution newer than the last snapshot moves the book's position on; one the snapshot
already counts (older, or without a trade time) is worked out from the position before it. A
position closed to zero keeps its last average cost, so the closing execution still gets its P&L.
Executions that arrive before the first snapshot (the ``str`` history at start-up) wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ibkr_desktop.protocol.events import Fill


@dataclass(slots=True)
class Holding:
    """What the book knows of one conid: shares (negative = short), average cost per share or
    contract (None = unknown), the contract multiplier and the snapshot's time (epoch ms)."""

    quantity: float
    avg_cost: float | None
    multiplier: float
    as_of_ms: float


class CostBook:
    """Average-cost book per conid; :meth:`realize` returns each new execution's realized P&L."""

    def __init__(self) -> None:
        self._holdings: dict[int, Holding] = {}
        self._done: set[str] = set()
        self._waiting: dict[str, Fill] | None = {}  # None once a snapshot arrived

    def set_positions(self, holdings: Iterable[tuple[int, Holding]]) -> dict[str, float | None]:
        """A full positions snapshot: conids not in it are flat now (their cost is kept).

        Returns:
            the realized P&L of the executions that waited for the first snapshot.
        """
        fresh = dict(holdings)
        for conid, gone in self._holdings.items():
            if conid not in fresh:
                gone.quantity = 0.0
        for conid, holding in fresh.items():
            old = self._holdings.get(conid)
            if holding.avg_cost is None and old is not None:
                holding.avg_cost = old.avg_cost
            self._holdings[conid] = holding
        waiting, self._waiting = self._waiting, None
        return self.realize(waiting.values()) if waiting else {}

    def realize(self, fills: Iterable[Fill]) -> dict[str, float | None]:
        """Realized P&L (position currency) of each execution not seen before, by execution id;
        None when the position's average cost is not known. Before the first snapshot the
        executions wait (see :meth:`set_positions`)."""
        if self._waiting is not None:
            self._waiting.update((f.execution_id, f) for f in fills)
            return {}
        by_conid: dict[int, list[Fill]] = {}
        for fill in fills:
            if fill.execution_id not in self._done:
                self._done.add(fill.execution_id)
                by_conid.setdefault(fill.conid, []).append(fill)
        out: dict[str, float | None] = {}
        for conid, group in by_conid.items():
            holding = self._holdings.setdefault(conid, Holding(0.0, None, 1.0, 0.0))
            group.sort(key=lambda f: -1 if f.time_ms is None else f.time_ms)
            counted = [f for f in group if f.time_ms is None or f.time_ms <= holding.as_of_ms]
            before = holding.quantity - sum(_signed(f) for f in counted)
            for fill in counted:  # already in the snapshot: no change to the book
                out[fill.execution_id] = _realized(fill, before, holding)
                before += _signed(fill)
            for fill in group[len(counted):]:  # newer than the snapshot: the book moves on
                out[fill.execution_id] = _realized(fill, holding.quantity, holding)
                _book(fill, holding)
        return out


def _signed(fill: Fill) -> float:
    return fill.size if fill.side == "BUY" else -fill.size


def _realized(fill: Fill, before: float, holding: Holding) -> float | None:
    signed = _signed(fill)
    if before == 0 or (before > 0) == (signed > 0):
        return 0.0  # opens or adds
    if holding.avg_cost is None:
        return None
    closed = min(abs(signed), abs(before))
    direction = 1.0 if before > 0 else -1.0
    commission = (fill.commission or 0.0) * closed / abs(signed) if signed else 0.0
    return (fill.price * holding.multiplier - holding.avg_cost) * closed * direction - commission


def _book(fill: Fill, holding: Holding) -> None:
    """Move the position on by one execution (average cost of the shares added)."""
    signed = _signed(fill)
    before = holding.quantity
    after = before + signed
    fee = (fill.commission or 0.0) / abs(signed or 1.0)
    cost = fill.price * holding.multiplier + (fee if signed > 0 else -fee)  # as IBKR's avgCost
    if before == 0 or ((before > 0) != (after > 0) and after != 0):
        holding.avg_cost = cost  # opened, or flipped from long to short (or back)
    elif (before > 0) == (signed > 0) and holding.avg_cost is not None:
        holding.avg_cost = (holding.avg_cost * abs(before) + cost * abs(signed)) / abs(after)
    holding.quantity = after
