"""HTTP handlers of the paper brokerage: accounts, portfolio, P&L, orders, replies, trades.

Thin adapters: each handler checks the session tier it needs (``session.require_brokerage``
for ``/iserver``, ``session.require_portfolio`` for ``/portfolio``), reads the request
leniently (:mod:`.web_util`), calls the :class:`~.brokerage.Brokerage` and answers JSON.
A :class:`~.brokerage_error.BrokerageError` becomes IBKR's ``{"error": ...}`` body with its status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiohttp import web

from .brokerage import Brokerage
from .brokerage_error import BrokerageError
from .order_request import parse_confirmed
from .web_util import ApiError, ApiRouter, json_response, query_bool, read_json

MAX_SUPPRESSED_IDS = 51
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answers(handler: Handler) -> Handler:
    """Turn brokerage rejections and request errors into IBKR-shaped JSON answers."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BrokerageError as exc:
            return ApiError(exc.status, exc.message, status_code=exc.status_code).response()
        except ApiError as exc:
            return exc.response()

    return wrapper


def _int_param(request: web.Request, name: str) -> int:
    """An integer path parameter (order id, page, conid); 400 when it is not one."""
    raw = request.match_info[name]
    try:
        return int(raw)
    except ValueError:
        raise BrokerageError(f"Bad Request: {name} must be an integer, got {raw!r}", 400) from None


class BrokerageRoutes:
    """The handlers, bound to one brokerage and the gateway's session object."""

    def __init__(self, brokerage: Brokerage, session: Any) -> None:
        self._b = brokerage
        self._session = session

    def _account_param(self, request: web.Request, name: str = "accountId") -> str:
        """Account id from the query (``accountId``), else the selected account."""
        return request.query.get(name) or self._b.portfolio.selected

    # -- accounts -----------------------------------------------------------------------

    async def iserver_accounts(self, request: web.Request) -> web.StreamResponse:
        """``GET /iserver/accounts``: also unlocks the rest of ``/iserver`` for the session."""
        self._session.require_brokerage(request)
        self._session.mark_accounts_queried()
        return json_response(self._b.portfolio.iserver_accounts())

    async def switch_account(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/account`` ``{"acctId": ...}``."""
        self._session.require_brokerage(request)
        body = await read_json(request)
        account = body.get("acctId") if isinstance(body, dict) else None
        return json_response(self._b.portfolio.select(account))

    async def portfolio_accounts(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/accounts`` and ``/portfolio/subaccounts``."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.portfolio_accounts())

    async def meta(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/{accountId}/meta``."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.meta(request.match_info["accountId"]))

    async def summary(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/{accountId}/summary``."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.summary(request.match_info["accountId"]))

    async def ledger(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/{accountId}/ledger``."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.ledger(request.match_info["accountId"]))

    async def positions(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/{accountId}/positions/{pageId}`` (cached, 100 per page)."""
        self._session.require_portfolio(request)
        page = _int_param(request, "pageId") if "pageId" in request.match_info else 0
        return json_response(self._b.portfolio.positions(request.match_info["accountId"], page))

    async def invalidate(self, request: web.Request) -> web.StreamResponse:
        """``POST /portfolio/{accountId}/positions/invalidate``."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.invalidate(request.match_info["accountId"]))

    async def positions2(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio2/{accountId}/positions`` (uncached)."""
        self._session.require_portfolio(request)
        return json_response(self._b.portfolio.positions2(request.match_info["accountId"]))

    async def position(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/{accountId}/position/{conid}``."""
        self._session.require_portfolio(request)
        account, conid = request.match_info["accountId"], _int_param(request, "conid")
        return json_response(self._b.portfolio.live_positions(account, conid))

    async def position_all_accounts(self, request: web.Request) -> web.StreamResponse:
        """``GET /portfolio/positions/{conid}``: ``{acct: [position]}`` across accounts."""
        self._session.require_portfolio(request)
        conid = _int_param(request, "conid")
        portfolio = self._b.portfolio
        return json_response({a: portfolio.live_positions(a, conid) for a in portfolio.accounts})

    async def pnl(self, request: web.Request) -> web.StreamResponse:
        """``GET /iserver/account/pnl/partitioned`` (excess liquidity as ``el``)."""
        self._session.require_brokerage(request)
        return json_response({"upnl": self._b.portfolio.pnl("el")})

    # -- orders ---------------------------------------------------------------------------

    async def place(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/account/{accountId}/orders``."""
        self._session.require_brokerage(request)
        body = await read_json(request)
        return json_response(self._b.desk.place(request.match_info["accountId"], body))

    async def whatif(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/account/{accountId}/orders/whatif``."""
        self._session.require_brokerage(request)
        body = await read_json(request)
        return json_response(self._b.desk.whatif(request.match_info["accountId"], body))

    async def reply(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/reply/{replyId}`` ``{"confirmed": true|false}``."""
        self._session.require_brokerage(request)
        confirmed = parse_confirmed(await read_json(request))
        return json_response(self._b.desk.reply(request.match_info["replyId"], confirmed))

    async def suppress(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/questions/suppress`` ``{"messageIds": [...]}``."""
        self._session.require_brokerage(request)
        body = await read_json(request)
        ids = body.get("messageIds") if isinstance(body, dict) else None
        if (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)
                or len(ids) > MAX_SUPPRESSED_IDS):
            raise BrokerageError("Bad Request: messageIds must be a list of up to "
                                 f"{MAX_SUPPRESSED_IDS} message id strings", 400)
        self._b.replies.suppress(ids)
        return json_response({"status": "submitted"})

    async def suppress_reset(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/questions/suppress/reset``."""
        self._session.require_brokerage(request)
        self._b.replies.reset()
        return json_response({"status": "submitted"})

    async def live_orders(self, request: web.Request) -> web.StreamResponse:
        """``GET /iserver/account/orders`` (primed; ``filters``, ``force``, ``accountId``)."""
        self._session.require_brokerage(request)
        filters = request.query.get("filters", "").split(",")
        answer = self._b.desk.live_orders(
            self._account_param(request), filters, query_bool(request, "force"))
        return json_response(answer)

    async def order_status(self, request: web.Request) -> web.StreamResponse:
        """``GET /iserver/account/order/status/{orderId}``."""
        self._session.require_brokerage(request)
        return json_response(self._b.desk.order_status(_int_param(request, "orderId")))

    async def modify(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/account/{accountId}/order/{orderId}`` (one ticket object)."""
        self._session.require_brokerage(request)
        body = await read_json(request)
        account, order_id = request.match_info["accountId"], _int_param(request, "orderId")
        return json_response(self._b.desk.modify(account, order_id, body))

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        """``DELETE /iserver/account/{accountId}/order/{orderId}`` (``-1`` = all)."""
        self._session.require_brokerage(request)
        account, order_id = request.match_info["accountId"], _int_param(request, "orderId")
        return json_response(self._b.desk.cancel(account, order_id))

    async def trades(self, request: web.Request) -> web.StreamResponse:
        """``GET /iserver/account/trades`` (``days`` 1-7, ``accountId``)."""
        self._session.require_brokerage(request)
        raw_days = request.query.get("days", "1")
        if not raw_days.strip().isdigit():
            raise BrokerageError(f"Bad Request: days must be 1-7, got {raw_days!r}", 400)
        account = self._account_param(request)
        self._b.portfolio.account(account)
        return json_response(self._b.trades_snapshot(account, int(raw_days)))

    async def notification(self, request: web.Request) -> web.StreamResponse:
        """``POST /iserver/notification``: answer to an ``ntf`` prompt; plain ``Success``."""
        self._session.require_brokerage(request)
        await read_json(request)
        return web.Response(text="Success", content_type="text/plain")


def register(router: web.UrlDispatcher, brokerage: Brokerage, session: Any) -> None:
    """Add every brokerage route under ``/v1/api`` and ``/v1/portal``, with trailing slashes."""
    r = BrokerageRoutes(brokerage, session)
    api = ApiRouter(router)
    table: tuple[tuple[str, str, Handler], ...] = (
        ("GET", "/iserver/accounts", r.iserver_accounts),
        ("POST", "/iserver/account", r.switch_account),
        ("GET", "/portfolio/accounts", r.portfolio_accounts),
        ("GET", "/portfolio/subaccounts", r.portfolio_accounts),
        ("GET", "/portfolio/{accountId}/meta", r.meta),
        ("GET", "/portfolio/{accountId}/summary", r.summary),
        ("GET", "/portfolio/{accountId}/ledger", r.ledger),
        ("GET", "/portfolio/{accountId}/positions", r.positions),
        ("GET", "/portfolio/{accountId}/positions/{pageId}", r.positions),
        ("POST", "/portfolio/{accountId}/positions/invalidate", r.invalidate),
        ("GET", "/portfolio2/{accountId}/positions", r.positions2),
        ("GET", "/portfolio/{accountId}/position/{conid}", r.position),
        ("GET", "/portfolio/positions/{conid}", r.position_all_accounts),
        ("GET", "/iserver/account/pnl/partitioned", r.pnl),
        ("GET", "/iserver/account/orders", r.live_orders),
        ("GET", "/iserver/account/trades", r.trades),
        ("GET", "/iserver/account/order/status/{orderId}", r.order_status),
        ("POST", "/iserver/account/{accountId}/orders", r.place),
        ("POST", "/iserver/account/{accountId}/orders/whatif", r.whatif),
        ("POST", "/iserver/account/{accountId}/order/{orderId}", r.modify),
        ("DELETE", "/iserver/account/{accountId}/order/{orderId}", r.cancel),
        ("POST", "/iserver/reply/{replyId}", r.reply),
        ("POST", "/iserver/questions/suppress", r.suppress),
        ("POST", "/iserver/questions/suppress/reset", r.suppress_reset),
        ("POST", "/iserver/notification", r.notification),
    )
    for method, path, handler in table:
        api.add_route(method, path, _answers(handler))
