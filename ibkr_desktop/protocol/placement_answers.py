"""Parsing of placement, modification and reply answers into what each row means (§5.1-5.2).

IBKR answers HTTP 200 with one row per order; a row may be an accepted order, a question to
confirm, a refused leg (``"order_id": "-1"``, ``Failed``) or an order that was not transmitted
(``Inactive``). Rows are classified by their id and status, never by which keys are present,
and IBKR's reason texts are kept for the user (reference §11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ibkr_desktop.protocol import _coerce
from ibkr_desktop.protocol.errors import IbkrError
from ibkr_desktop.protocol.order_kinds import ACTIVE_STATUSES, OrderStatus

_MAX_SAID = 300
"""Characters of IBKR's words kept in a rejection's message."""


class OrderRejectedError(IbkrError):
    """Nothing was placed: IBKR answered ``{"error": ...}`` or refused every order of the answer.

    Attributes:
        answers: the classified rows when the answer had any (refused, not transmitted).
    """

    def __init__(self, message: str, status: int | None = None,
                 answers: tuple[PlacementAnswer, ...] = ()) -> None:
        super().__init__(message, status)
        self.answers = answers


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """Placement/reply answer: IBKR took the order (a real id with a working or filled status).

    ``status`` is None only when the row named no status at all; ``message`` is IBKR's
    accompanying text, if any (``text``/``warning_message``).
    """

    order_id: str
    status: OrderStatus | None
    coid: str | None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class OrderQuestion:
    """Placement/reply answer: confirm with ``POST /iserver/reply/{reply_id}``."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrderRefused:
    """A row IBKR refused although the HTTP status was 200 (§11): ``order_id`` "-1", status
    ``Failed``/``Rejected`` or an ``error`` row. ``reason`` is IBKR's text for the user;
    ``order_id`` is None unless IBKR named a real one."""

    reason: str
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderNotTransmitted:
    """A real order id whose status says it is not working: ``Inactive`` (not transmitted),
    ``Cancelled`` or a status word the app does not know (``status`` as IBKR spelled it)."""

    order_id: str
    status: str
    reason: str | None = None


PlacementAnswer = OrderAccepted | OrderQuestion | OrderRefused | OrderNotTransmitted
"""One row of a placement, modification or reply answer, classified by what it means."""

_REFUSED_WORDS = frozenset({"failed", "rejected", "error"})
_WORKING = ACTIVE_STATUSES | {OrderStatus.FILLED}


def _reason(item: Mapping[str, object]) -> str | None:
    """IBKR's texts of a row (``error``, ``text``, ``warning_message``), joined, or None."""
    texts: list[str] = []
    for key in ("error", "text", "warning_message"):
        value = _coerce.text(item.get(key))
        if value and value.strip() and value.strip() not in texts:
            texts.append(value.strip())
    if not texts:
        return None
    return texts[0] + "".join(f" ({t.rstrip('.')}.)" for t in texts[1:])


def _question(item: Mapping[str, object], reply_id: str) -> OrderQuestion:
    messages = item.get("message")
    texts = [messages] if isinstance(messages, str) else messages
    ids = item.get("messageIds")
    return OrderQuestion(
        reply_id,
        tuple(str(m) for m in texts) if isinstance(texts, list) else (),
        tuple(str(m) for m in ids) if isinstance(ids, list) else (),
    )


def _order_row(item: Mapping[str, object]) -> PlacementAnswer:
    """Classify a row by its id and status, never by which keys happen to be present."""
    order_id = _coerce.text(item.get("order_id"))
    number = _coerce.integer(order_id)
    real_id = order_id if number is not None and number > 0 else None
    status_text = _coerce.text(item.get("order_status"))
    status = OrderStatus.parse(status_text)
    reason = _reason(item)
    refused_word = status_text is not None and status_text.strip().lower() in _REFUSED_WORDS
    if real_id is None or refused_word or (item.get("error") and status not in _WORKING):
        why = reason or f"IBKR refused the order (status {status_text or 'not given'})"
        return OrderRefused(why, real_id)
    if status in _WORKING or status_text is None:
        # No status at all: IBKR assigned an id, so the order may well be working; calling it
        # refused could make the user send it twice (the desk refreshes live orders to check).
        return OrderAccepted(real_id, status, _coerce.text(item.get("local_order_id")), reason)
    return OrderNotTransmitted(real_id, str(status or status_text), reason)


def parse_placement_response(body: object) -> list[PlacementAnswer]:
    """Read the answer of order placement, modification or ``/iserver/reply`` (§5.1-5.2, §11).

    Accepts the array and the bare-object forms. One result per row, in ticket order: an
    accepted order, a question, a refused row (``"order_id": "-1"``, ``Failed``, ``error``) or
    an order that is not working (``Inactive``). Callers decide what "nothing placed" means
    (:func:`placed_anything`).

    Raises:
        OrderRejectedError: the answer is a bare ``{"error": ...}``, empty, or has a row that
            is neither an order nor a question.
    """
    if isinstance(body, Mapping) and body.get("error") and "order_id" not in body:
        raise OrderRejectedError(_one_line(body["error"]))
    items = _coerce.records(body)
    if not items:
        raise OrderRejectedError(_one_line(_coerce.text(body))
                                 or "The gateway gave no answer for the order")
    results: list[PlacementAnswer] = []
    for item in items:
        reply_id = _coerce.text(item.get("id"))
        if reply_id is not None and "message" in item:
            results.append(_question(item, reply_id))
        elif "order_id" in item or item.get("error"):
            results.append(_order_row(item))
        else:
            raise OrderRejectedError(f"Unexpected order answer: {dict(item)!r}"[:300])
    return results


def _one_line(said: object) -> str:
    """What IBKR said, as one bounded line for the user and the log (an ``error`` that is not
    a string, or spans lines, must not make a wall of text)."""
    if said is None:
        return ""
    text = said if isinstance(said, str) else repr(said)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SAID else text[:_MAX_SAID - 1] + "…"


def placed_anything(answers: Sequence[PlacementAnswer]) -> bool:
    """True when an order was accepted or a question awaits an answer."""
    return any(isinstance(a, OrderAccepted | OrderQuestion) for a in answers)


def refusal_texts(answers: Sequence[PlacementAnswer]) -> list[str]:
    """Plain-language line per refused or not-working row, with IBKR's reason."""
    texts = []
    for answer in answers:
        if isinstance(answer, OrderRefused):
            texts.append(f"IBKR refused the order: {answer.reason}")
        elif isinstance(answer, OrderNotTransmitted):
            why = f": {answer.reason}" if answer.reason else ""
            texts.append(f"Order {answer.order_id} was not transmitted "
                         f"(status {answer.status}){why}")
    return texts
