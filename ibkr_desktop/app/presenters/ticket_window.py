"""One open order ticket: its window, its quote subscription, the contract rules, the quote.

The ticket presenter keeps one :class:`TicketWindow` per open window; this module holds what
is worked out from the window's own state: the market, the pre-filled prices and the
estimated order value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ibkr_desktop.client.quote_feed import QuoteSubscription
from ibkr_desktop.protocol.contract_rules import ContractRules
from ibkr_desktop.protocol.limits import Market
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.order_records import OrderRecord
from ibkr_desktop.protocol.ticket_form import FIELDS_BY_TYPE, parse_decimal
from ibkr_desktop.widgets.order_ticket import OrderTicketDialog


@dataclass
class TicketWindow:
    """One open ticket: its window, its quote subscription, the rules and the merged quote."""

    dialog: OrderTicketDialog
    quotes: QuoteSubscription
    rules: ContractRules | None = None
    quote: dict[str, object] = field(default_factory=dict)
    busy: bool = False
    checked: bool = False
    unfollow: Callable[[], object] | None = None
    """Stops a modify ticket following its order's record (None for a new order)."""

    def follow(self, record: OrderRecord) -> None:
        """A modify ticket's order changed (``broker.orders.record_changed``): say its status;
        once it is done Modify is disabled. Other orders' records, and any while this ticket
        is sending (its outcome is the status then), are ignored."""
        if self.busy or self.dialog.modify_id is None or record.order_id != self.dialog.modify_id:
            return
        if record.done:
            text = f"Order {record.order_id} is {record.status_text} — nothing left to modify."
        else:
            part = (f", {record.filled:,.10g} of {record.quantity:,.10g} filled"
                    if record.filled and record.quantity else "")
            text = f"Order {record.order_id}: {record.status_text}{part}."
        self.dialog.show_order(text, record.done)

    def market(self) -> Market | None:
        """The latest bid/ask/last, or None before the first quote."""
        values = {k: self.quote.get(k) for k in ("bid", "ask", "last")}
        prices = {k: float(v) if isinstance(v, int | float) else None for k, v in values.items()}
        return Market(**prices) if any(v is not None for v in prices.values()) else None

    def prefill(self) -> None:
        """Limit at the near touch (bid to buy, ask to sell), a stop one step beyond the far
        one; fields the user typed in are left alone."""
        market = self.market()
        if market is None:
            return
        for fields in (self.dialog.fields, self.dialog.oca_fields):  # the OCA leg too
            buy = fields.form().side is Side.BUY
            near, far = (market.bid, market.ask) if buy else (market.ask, market.bid)
            near = near or market.last
            far = far or market.last
            fields.set_price("limit", near)
            if far is not None:
                step = self.rules.increment_at(far) if self.rules else 0.01
                fields.set_price("stop", far + step if buy else far - step)

    def estimate(self, net_liquidation: float | None) -> str:
        """"Estimated value 18,500.00 · 1.9% of net liquidation (996,414)", "… · 4,284.4% of net
        liquidation (993,306) — more than the whole account"; "" when the quantity or a price
        is missing or cannot be read ("nan", "1e3": see ``parse_decimal``)."""
        form = self.dialog.fields.form()
        needed = FIELDS_BY_TYPE[form.order_type]
        typed = [text for name, text in (("limit", form.limit), ("stop", form.stop))
                 if name in needed and text.strip()]
        if any(parse_decimal(text) is None for text in typed):
            return ""  # a price that cannot be read: no estimate rather than a wrong one
        quantity = parse_decimal(form.quantity)
        price = parse_decimal(form.limit) if "limit" in needed else None
        if price is None and form.order_type is OrderType.STP:
            price = parse_decimal(form.stop)
        market = self.market()
        if price is None and market is not None:
            price = market.reference(form.side)
        if price is None or quantity is None or quantity <= 0:
            return ""
        notional = quantity * price
        text = f"Estimated value {notional:,.2f}"
        if net_liquidation:
            share = notional / net_liquidation * 100
            text += f" · {share:,.1f}% of net liquidation ({net_liquidation:,.0f})"
            if share > 100:  # a fat finger, most likely: say it before Send
                text += " — more than the whole account"
        return text

