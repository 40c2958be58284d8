"""The order flow's reads: live orders (primed), a look-up by cOID, and the what-if preview.

Every read goes on the ORDER lane so it is never queued behind background refreshes while an
order's fate is unknown (reference §5.4, §5.8).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

from ibkr_desktop.client.http import client_logger
from ibkr_desktop.client.rest_queue import RestQueue
from ibkr_desktop.client.scheduler import Lane
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.events import OrderUpdate
from ibkr_desktop.protocol.order_records import WhatIf, parse_whatif
from ibkr_desktop.protocol.orders import OrderTicket, parse_live_order

log = client_logger("ibkr_desktop.client.order_reads")

MAX_PRIMING_CALLS = 3
"""Live orders answer ``{"orders": [], "snapshot": false}`` first in a session (§5.4)."""


class OrderReads:
    """Reads of live orders and previews.

    Args:
        rest: the REST queue.
        seen: called with every non-empty list of live orders read (records, views).
        tries / gap_s: how often, and how far apart, live orders are searched for a cOID.
    """

    def __init__(self, rest: RestQueue, seen: Callable[[list[OrderUpdate]], None], *,
                 tries: int = 3, gap_s: float = 0.5) -> None:
        self._rest, self._seen = rest, seen
        self._tries, self._gap = max(1, tries), gap_s

    async def live_orders(self) -> list[OrderUpdate]:
        """Live orders of the session, asking again while the gateway primes.

        Raises:
            IbkrError: the gateway could not be asked.
        """
        items: object = []
        for _ in range(MAX_PRIMING_CALLS):
            body = await self._rest.call("GET", "/iserver/account/orders", lane=Lane.ORDER)
            items = body.get("orders") if isinstance(body, Mapping) else body
            if not isinstance(body, Mapping) or body.get("snapshot") is not False:
                break
        updates = []
        for item in items if isinstance(items, list) else ():
            try:
                updates.append(parse_live_order(item))
            except (ValueError, TypeError, AttributeError):
                log.info("unreadable live order skipped")
        if updates:
            self._seen(updates)
        return updates

    async def find(self, coids: Collection[str]) -> dict[str, OrderUpdate]:
        """The live orders carrying ``coids`` (``order_ref``), searched up to ``tries`` times
        (a just-placed order may be listed late); {} when IBKR holds none of them.

        Raises:
            IbkrError: live orders could not be read.
        """
        for attempt in range(self._tries):
            found = {u.order_ref: u for u in await self.live_orders()
                     if u.order_ref is not None and u.order_ref in coids}
            if found:
                return found
            if attempt < self._tries - 1:
                await asyncio.sleep(self._gap)
        return {}

    async def what_if(self, account: str, tickets: Sequence[OrderTicket]) -> WhatIf:
        """The preview of ``tickets`` for ``account``; sends no order.

        Raises:
            IbkrError: the gateway refused or failed the preview, or it could not be read.
        """
        body = await self._rest.call(
            "POST", f"/iserver/account/{account}/orders/whatif",
            json={"orders": [replace(t, account=account).to_json() for t in tickets]},
            lane=Lane.ORDER, idempotent=True)
        try:
            return parse_whatif(body)
        except ValueError as exc:
            raise IbkrError(f"The preview could not be read: {exc}") from exc
