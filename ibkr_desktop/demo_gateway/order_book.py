"""The order book of the demo gateway: ids, client order ids, and order-to-order rules.

Holds every order placed since the gateway started and applies the relations between them:
bracket children wait for their parent and are released (or cancelled) with it, OCA groups
cancel or reduce each other on fills, cancelling a bracket child cancels its siblings. Every
order a rule touches is marked dirty so the facade can publish exactly the ``sor`` changes.
"""

from __future__ import annotations

from collections.abc import Collection

from .orders import CANCELLED, FILLED, Order

_EPSILON = 1e-9


class OrderBook:
    """All paper orders, keyed by IBKR-style integer order id.

    Args:
        first_order_id: The id the first order gets; later ids count up (IBKR ids are large,
            increasing integers).
    """

    def __init__(self, first_order_id: int) -> None:
        self._orders: dict[int, Order] = {}
        self._coids: dict[str, int] = {}
        self._next_id = first_order_id
        self._next_group = 1
        self._dirty: set[int] = set()

    def next_order_id(self) -> int:
        """Reserve a fresh order id."""
        order_id = self._next_id
        self._next_id += 1
        return order_id

    @property
    def next_id(self) -> int:
        """The id the next new order will get."""
        return self._next_id

    def replace_all(self, orders: list[Order], next_id: int) -> None:
        """Hold exactly ``orders`` (a saved account being restored); ids continue at
        ``next_id`` (or after the highest restored id)."""
        self._orders = {o.order_id: o for o in orders}
        self._coids = {o.coid: o.order_id for o in orders if o.coid}
        self._next_id = max([next_id, *(o.order_id + 1 for o in orders)])
        self._next_group = max([self._next_group, *(o.oca_group or 0 for o in orders)])
        self._dirty = set(self._orders)

    def new_group(self) -> int:
        """A fresh OCA group number."""
        self._next_group += 1
        return self._next_group

    def coid_taken(self, coid: str) -> bool:
        """True when ``coid`` was already used (IBKR keeps cOIDs unique for 24 h)."""
        return coid in self._coids

    def find_coid(self, coid: str) -> Order | None:
        """The order that registered ``coid`` (bracket children name their parent this way)."""
        order_id = self._coids.get(coid)
        return self._orders.get(order_id) if order_id is not None else None

    def add(self, order: Order) -> None:
        """Register a new order (and its cOID)."""
        self._orders[order.order_id] = order
        if order.coid:
            self._coids[order.coid] = order.order_id
        self.touch(order)

    def get(self, order_id: int) -> Order | None:
        """The order with ``order_id``, or None."""
        return self._orders.get(order_id)

    def orders(self, account: str | None = None) -> list[Order]:
        """Every order (optionally of one account), oldest first."""
        return [o for o in self._orders.values() if account is None or o.account == account]

    def working(self, conids: Collection[int] | None = None) -> list[Order]:
        """Active orders, optionally only those on ``conids``; parents before children."""
        return [
            o for o in self._orders.values()
            if o.active and (conids is None or o.conid in conids)
        ]

    def touch(self, order: Order) -> None:
        """Mark ``order`` as changed so its ``sor`` update is published."""
        self._dirty.add(order.order_id)

    def drain_dirty(self) -> list[Order]:
        """Orders changed since the last call, oldest first."""
        orders = [self._orders[i] for i in sorted(self._dirty) if i in self._orders]
        self._dirty.clear()
        return orders

    def children(self, order: Order) -> list[Order]:
        """Active bracket children of ``order``."""
        return [o for o in self._orders.values() if o.parent_id == order.order_id and o.active]

    def oca_peers(self, order: Order) -> list[Order]:
        """Active members of ``order``'s OCA group other than itself."""
        if order.oca_group is None:
            return []
        return [
            o for o in self._orders.values()
            if o.oca_group == order.oca_group and o.order_id != order.order_id and o.active
        ]

    def _close(self, order: Order) -> None:
        order.status = CANCELLED
        self.touch(order)

    def cancel(self, order: Order) -> list[Order]:
        """Cancel ``order`` with IBKR's bracket rules; return every order cancelled.

        Cancelling a parent cancels its waiting children, unless the parent already has
        fills: then the children shrink to the filled quantity and go live to protect it.
        Cancelling a bracket child cancels its siblings.
        """
        if not order.active:
            return []
        self._close(order)
        cancelled = [order]
        for child in self.children(order):
            if order.filled and child.held:
                child.quantity = order.filled
                child.held = False
                self.touch(child)
            else:
                cancelled.extend(self.cancel(child))
        if order.parent_id is not None and order.oca_reduce:
            for peer in self.oca_peers(order):
                self._close(peer)
                cancelled.append(peer)
        return cancelled

    def after_fill(self, order: Order, size: float) -> None:
        """Apply the consequences of ``order`` filling ``size`` shares.

        Bracket siblings (reduce-type OCA) shrink by the fill and are cancelled once nothing
        is left; ``isSingleGroup`` OCA members are cancelled at the first fill. A parent that
        completed releases its children.
        """
        self.touch(order)
        for peer in self.oca_peers(order):
            if order.oca_reduce:
                peer.quantity -= size
                if peer.quantity <= peer.filled + _EPSILON:
                    peer.quantity = max(peer.quantity, peer.filled)
                    self._close(peer)
                self.touch(peer)
            else:
                self._close(peer)
        if order.status == FILLED:
            for child in self.children(order):
                child.held = False
                self.touch(child)

    def expire(self, tif: str) -> list[Order]:
        """Cancel every active order with time in force ``tif`` (DAY at the session end)."""
        expired: list[Order] = []
        for order in self.working():
            if order.tif == tif and order.active:
                expired.extend(self.cancel(order))
        return expired
