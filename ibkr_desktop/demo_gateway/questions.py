"""Order reply questions: which precautionary questions an order raises, and pending chains.

IBKR answers a risky order with a question (``o163`` price far from the market, ``o354`` no
market data, ...) that must be confirmed through ``POST /iserver/reply/{id}``; one question is
asked at a time and confirming it yields the next one, until the order is accepted. Texts
carry the canonical fragments of reference §5.2 so clients matching by substring (``ibind``)
recognise them. Suppressed message ids are skipped for the rest of the brokerage session.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .brokerage_error import BrokerageError
from .orders import STOP_TYPES, Order, Quote, reference_price, stop_is_through_market

PRICE_CONSTRAINT = 0.03
SIZE_LIMIT = 5_000
TOTAL_VALUE_LIMIT = 500_000.0
REPLY_TTL_MS = 120_000
"""How long a question stays answerable; a later reply gets 503 like IBKR's timeout."""

_CONFIRM = "\nAre you sure you want to submit this order?"
NO_MARKET_DATA = (
    "You are submitting an order without market data. We strongly recommend against this as "
    "it may result in erroneous and unexpected trades." + _CONFIRM
)
FILLS_IMMEDIATELY = "This order will most likely trigger and fill immediately." + _CONFIRM
CAP_PRICE = (
    "<h4>Confirm Mandatory Cap Price</h4>To avoid trading at a price that is not consistent "
    "with a fair and orderly market, IB may set a cap (for a buy order) or floor (for a sell "
    "order). THIS MAY CAUSE AN ORDER THAT WOULD OTHERWISE BE MARKETABLE TO NOT BE TRADED."
)


@dataclass(frozen=True, slots=True)
class Question:
    """One precautionary question: IBKR message id and full text."""

    message_id: str
    text: str


def _label(order: Order, symbol: str, exchange: str) -> str:
    """``BUY 100 AAPL NASDAQ @ 165.0``: how IBKR quotes the order inside a question."""
    quantity = f"{order.quantity:g}"
    price = order.limit_price if order.limit_price is not None else order.stop_price
    suffix = f" @ {price}" if price is not None else ""
    return f"{order.side} {quantity} {symbol} {exchange}{suffix}"


def questions_for(
    order: Order, symbol: str, exchange: str, quote: Quote | None, rth: bool
) -> list[Question]:
    """Every question ``order`` raises given the market (``quote`` None = no market data)."""
    label = _label(order, symbol, exchange)
    found: list[Question] = []
    reference = reference_price(quote) if quote is not None else None
    if reference is None:
        found.append(Question("o354", NO_MARKET_DATA))
    limit = order.limit_price if order.order_type != "MIDPRICE" else None
    if reference and limit is not None and abs(limit - reference) / reference > PRICE_CONSTRAINT:
        found.append(Question("o163", (
            f'The following order "{label}" price exceeds \nthe Percentage constraint of '
            f"{PRICE_CONSTRAINT:.0%}." + _CONFIRM)))
    if order.quantity > SIZE_LIMIT:
        found.append(Question("o383", (
            f'The following order "{label}" size exceeds the Size Limit of {SIZE_LIMIT}.'
            + _CONFIRM)))
    unit = limit if limit is not None else (order.stop_price or reference)
    value = order.quantity * unit if unit else 0.0
    if value > TOTAL_VALUE_LIMIT:
        found.append(Question("o451", (
            f'The following order "{label}" value estimate of {value:,.2f} USD exceeds \nthe '
            f"Total Value Limit of {TOTAL_VALUE_LIMIT:,.0f} USD." + _CONFIRM)))
    if (quote is not None and order.order_type in STOP_TYPES
            and stop_is_through_market(order.order_type, order.side, order.stop_price, quote)):
        found.append(Question("o403", FILLS_IMMEDIATELY))
    if order.order_type == "MKT" and not rth:
        found.append(Question("o10153", CAP_PRICE))
    return found


@dataclass(slots=True)
class _Pending:
    questions: list[Question]
    action: Callable[[], Any]
    asked_ms: int


class ReplyBook:
    """Pending reply chains and the session's suppressed message ids.

    Args:
        rng: Source of the reply ids (UUID4-shaped), seeded for reproducible runs.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._pending: dict[str, _Pending] = {}
        self._suppressed: set[str] = set()

    @property
    def suppressed(self) -> frozenset[str]:
        """Message ids the client asked not to be asked again."""
        return frozenset(self._suppressed)

    def suppress(self, message_ids: Iterable[str]) -> None:
        """Suppress ``message_ids`` (IBKR: the request carries the complete list; we add)."""
        self._suppressed.update(message_ids)

    def reset(self) -> None:
        """Forget suppressions and pending chains (new brokerage session / suppress reset)."""
        self._suppressed.clear()
        self._pending.clear()

    def discard_pending(self) -> None:
        """Invalidate unanswered questions: a new order request supersedes them (quirk 10)."""
        self._pending.clear()

    def start(
        self, questions: list[Question], action: Callable[[], Any], now_ms: int
    ) -> list[dict[str, Any]] | Any:
        """Ask the first unsuppressed question, or run ``action`` when none is left.

        Returns the reply-message array of reference §5.1 shape 2, or ``action()``'s result.
        """
        remaining = [q for q in questions if q.message_id not in self._suppressed]
        if not remaining:
            return action()
        reply_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self._pending[reply_id] = _Pending(remaining, action, now_ms)
        first = remaining[0]
        return [{
            "id": reply_id,
            "message": [first.text],
            "isSuppressed": False,
            "messageIds": [first.message_id],
            "messageOptions": ["Yes", "No"],
        }]

    def answer(self, reply_id: str, confirmed: bool, now_ms: int) -> list[dict[str, Any]] | Any:
        """Resolve a reply: the next question, or the action's result after the last one.

        Raises:
            BrokerageError: 400 ``reply id not found: '<id>'`` when ``reply_id`` is unknown,
                already answered or superseded by a later order request (§11); 503 when it
                expired (IBKR's late-confirmation timeout); 400 when the question was
                declined, which also ends the chain.
        """
        pending = self._pending.pop(reply_id, None)
        if pending is None:
            raise BrokerageError(f"reply id not found: '{reply_id}'", 400, status_code=False)
        if now_ms - pending.asked_ms > REPLY_TTL_MS:
            raise BrokerageError(f"Reply id {reply_id} is not valid: it expired", 503)
        if not confirmed:
            raise BrokerageError("order not confirmed", 400)
        return self.start(pending.questions[1:], pending.action, now_ms)
