"""What kind of price a quote holds, said once for every place that shows it.

IBKR marks each quote with field 6509 (reference §4.3, decoded by ``protocol.fields`` into
``Quote["availability"]``): live, delayed 15-20 minutes, frozen at the close... Delayed and frozen
prices are real but old (§11 "Market data": common on paper accounts and accounts without
subscriptions), so they must never look live. :func:`availability_label` gives the badge and the
tooltip; the watchlist and positions tables use it today, the chart title and the order ticket
are meant to use it too.
"""

from __future__ import annotations

from collections.abc import Mapping

DELAYED_TIP = "Delayed data, typically 15–20 minutes old"
FROZEN_TIP = "Frozen: last price at the close"

# availability -> (badge, tooltip); live (and not yet known) has neither
_LABELS: dict[str, tuple[str, str]] = {
    "delayed": ("D", DELAYED_TIP),
    "frozen": ("F", FROZEN_TIP),
    "frozen_delayed": ("FD", "Frozen delayed: last delayed price at the close"),
    "not_subscribed": ("N/A", "Not subscribed: no market data for this contract"),
    "no_api_ack": ("N/A", "No market data: the market-data API acknowledgement is not signed "
                          "(IBKR account settings)"),
}


def availability_label(quote: Mapping[str, object]) -> tuple[str, str]:
    """``(badge, tooltip)`` for a quote's availability; ``("", "")`` when live or unknown yet.

    Args:
        quote: a quote record (``protocol.quotes.Quote`` or a model row holding its keys):
            ``availability`` and, for codes IBKR added later, ``availability_code``.

    Example: ``{"availability": "delayed"}`` -> ``("D", "Delayed data, typically 15–20 minutes
    old")``.
    """
    availability = quote.get("availability")
    if availability is None or availability == "live":
        return "", ""
    label = _LABELS.get(str(availability))
    if label is not None:
        return label
    code = quote.get("availability_code") or availability
    return "?", f"Market data availability '{code}': not known to be real-time"


def with_badge(text: str, badge: str) -> str:
    """Cell text with its badge after it: ``"AAPL [D]"`` (unchanged without a badge)."""
    return f"{text} [{badge}]" if badge and text else text
