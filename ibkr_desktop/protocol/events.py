"""Frozen value objects for everything a WebSocket frame or REST answer can mean.

Parsers in this package produce these; the client turns them into signals and the models store
them. They carry trader names and Python types only, never IBKR field ids or display strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from ibkr_desktop.protocol.bars import Bar
from ibkr_desktop.protocol.order_kinds import OrderStatus
from ibkr_desktop.protocol.quotes import Quote


@dataclass(frozen=True, slots=True)
class QuoteUpdate:
    """Changed market-data values of one conid (``values`` as ``fields.parse_fields``)."""

    conid: int
    values: Quote
    updated_ms: int | None


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order's state; ``sor`` sends only changed fields, so None means "unchanged/unknown".

    ``side`` is "BUY"/"SELL" (other IBKR sides such as "EXER" pass through upper-cased);
    ``order_type`` uses :class:`~ibkr_desktop.protocol.orders.OrderType` spellings when known.
    ``price`` is the limit price and ``aux_price`` the stop (trigger) price, read by order
    type: a Stop's stop is never a ``price`` (§11).
    """

    order_id: int
    account: str | None = None
    status: OrderStatus | None = None
    conid: int | None = None
    symbol: str | None = None
    side: str | None = None
    order_type: str | None = None
    quantity: float | None = None
    filled: float | None = None
    remaining: float | None = None
    avg_price: float | None = None
    price: float | None = None
    aux_price: float | None = None
    tif: str | None = None
    order_ref: str | None = None
    description: str | None = None
    last_execution_ms: int | None = None
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution (``str`` frame or ``/iserver/account/trades`` item); ``time_ms`` (epoch
    ms) is None when IBKR sent no trade time (§11)."""

    execution_id: str
    account: str
    conid: int
    symbol: str
    side: str
    size: float
    price: float
    time_ms: int | None
    commission: float | None
    order_ref: str | None
    exchange: str | None
    net_amount: float | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Position:
    """One portfolio position (``/portfolio/{acct}/positions`` item)."""

    account: str
    conid: int
    symbol: str
    quantity: float
    avg_cost: float | None
    market_price: float | None
    market_value: float | None
    unrealized_pnl: float | None
    realized_pnl: float | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class PnlUpdate:
    """Account P&L row (``spl`` frame with ``uel``, or REST partitioned P&L with ``el``)."""

    account: str
    daily_pnl: float | None
    unrealized_pnl: float | None
    net_liquidity: float | None
    excess_liquidity: float | None
    market_value: float | None


@dataclass(frozen=True, slots=True)
class AccountSummaryUpdate:
    """Account summary values keyed by lower-case IBKR key (``"netliquidation"``,
    ``"excessliquidity-s"``): monetary rows are floats, others (account code, type) strings."""

    account: str
    values: Mapping[str, float | str]


@dataclass(frozen=True, slots=True)
class LedgerUpdate:
    """Cash ledger of one currency (``"USD"``, ``"BASE"``), values keyed lower-case
    (``"cashbalance"``, ``"netliquidationvalue"``, ``"exchangerate"``...)."""

    account: str
    currency: str
    values: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """The ``system`` greeting: who is logged in, and whether it is a paper login."""

    username: str
    is_paper: bool | None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """``system`` heartbeat (``hb``, epoch ms), sent about every 10 s while the stream is alive."""

    time_ms: int


@dataclass(frozen=True, slots=True)
class AccountsInfo:
    """Accounts the session may use (``act``, ``/iserver/accounts``, ``/portfolio/accounts``)."""

    accounts: tuple[str, ...]
    selected: str | None
    is_paper: bool | None


@dataclass(frozen=True, slots=True)
class AuthStatus:
    """Brokerage session status (``sts`` frame / ``/iserver/auth/status``); None = not sent."""

    authenticated: bool | None
    competing: bool | None
    connected: bool | None
    message: str = ""


@dataclass(frozen=True, slots=True)
class TicReply:
    """Answer to a ``tic`` ping: the session is alive and when it was last used."""

    alive: bool
    session_id: str | None
    last_accessed_ms: int | None


@dataclass(frozen=True, slots=True)
class Notification:
    """An ``ntf`` notice from IBKR (e.g. data-subscription hints)."""

    id: str
    title: str
    text: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Bulletin:
    """A ``blt`` exchange/IBKR bulletin."""

    id: str
    message: str


@dataclass(frozen=True, slots=True)
class HistoryBars:
    """Bars of an ``smh`` frame; ``server_id`` is what ``history_unsubscribe`` needs."""

    conid: int | None
    server_id: str | None
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """Topic-less unsubscribe confirmation (``Unsubscribed <id>``, ``unsubscribed from ...``)."""

    message: str


@dataclass(frozen=True, slots=True)
class ServerMessage:
    """Any other topic-less ``message``/``result`` text (e.g. ``waiting for session``)."""

    message: str


@dataclass(frozen=True, slots=True)
class StreamError:
    """An error frame (``{"error": ..., "code": 1}`` or topic ``error``)."""

    message: str
    code: int | None


@dataclass(frozen=True, slots=True)
class UnknownFrame:
    """A well-formed frame we do not interpret (e.g. ``sbd``, ``ech``, new topics)."""

    topic: str | None
    raw: Mapping[str, object] = field(repr=False)


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """Input that is not a usable frame (bad UTF-8/JSON, not an object, unreadable payload).

    ``topic`` names the frame's topic when the frame was a JSON object that had one (an
    unreadable ``sor`` order or ``str`` execution), so the user can be told what was skipped.
    """

    text: str
    reason: str
    topic: str | None = None


class SessionKind(StrEnum):
    """Coarse state of the gateway session, as the status bar shows it."""

    GATEWAY_UNREACHABLE = "gateway_unreachable"
    NOT_LOGGED_IN = "not_logged_in"
    AUTHENTICATING = "authenticating"
    AUTHENTICATED = "authenticated"
    COMPETING = "competing"
    EXPIRED = "expired"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True, slots=True)
class SessionState:
    """Session state plus a plain-language reason for the user."""

    kind: SessionKind
    reason: str


@dataclass(frozen=True, slots=True)
class ContractMatch:
    """One contract-search result (``/iserver/secdef/search``)."""

    conid: int
    symbol: str
    name: str
    exchange: str
    sec_type: str


Event: TypeAlias = (
    QuoteUpdate | OrderUpdate | Fill | PnlUpdate | AccountSummaryUpdate | LedgerUpdate | SystemInfo
    | Heartbeat | AccountsInfo | AuthStatus | TicReply | Notification | Bulletin | HistoryBars
    | Unsubscribed | ServerMessage | StreamError | UnknownFrame | MalformedFrame
)
"""Everything ``frames.parse_frame`` can return."""
