"""HTTP plumbing every demo-gateway route shares: IBKR-shaped errors, tolerant parsing, routing.

The real gateway is lenient in ways clients depend on (§1.4, §9): ``/v1/api`` and ``/v1/portal``
prefixes, trailing slashes, empty POST bodies, ``True``/``true`` booleans. Route modules (ours and
the brokerage's) register through :class:`ApiRouter` and parse through these helpers so that the
leniency and the error shapes live in exactly one place.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from ibkr_desktop.protocol.errors import error_body

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIXES: tuple[str, ...] = ("/v1/api", "/v1/portal")
"""Both prefixes a client may use; ``/v1/portal`` is the legacy alias of §1.2."""

_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


class ApiError(Exception):
    """Raised anywhere in a handler to answer with an IBKR-shaped JSON error.

    Args:
        status: HTTP status of the answer.
        message: The ``error`` text, worded like IBKR's.
        status_code: Whether to add ``"statusCode": status`` to the body (IBKR does on some paths).
        headers: Extra response headers (e.g. ``Retry-After`` on 429).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        status_code: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.status_code = status_code
        self.headers = headers or {}

    def response(self) -> web.Response:
        """The JSON response this error stands for."""
        body = error_body(self.message, self.status if self.status_code else None)
        return json_response(body, status=self.status, headers=self.headers)


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A compact JSON answer (IBKR sends ``application/json`` even for errors)."""
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def parse_bool(value: object, default: bool | None = None) -> bool | None:
    """Case-insensitive ``true``/``1``/``yes`` -> True, the false forms -> False, else default."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return default


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """A query-string boolean, case-insensitive (Python ``requests`` sends ``True``)."""
    parsed = parse_bool(request.query.get(name), default)
    return default if parsed is None else parsed


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; an empty body (or none) reads as ``{}``.

    Raises:
        ApiError: 400 when the body is present but not JSON.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Bad Request: body is not valid JSON") from None


async def read_object(request: web.Request) -> dict[str, Any]:
    """The JSON body as an object; a non-object body is a 400, an empty one is ``{}``."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: expected a JSON object")
    return body


def parse_conid(value: object) -> int | None:
    """A conid from ``265598``, ``"265598"`` or ``"265598@SMART"``; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        head = value.strip().split("@", 1)[0]
        if head.isdigit() and int(head) > 0:
            return int(head)
    return None


def api_path(path: str) -> str:
    """A request path relative to the API root: prefix and trailing slashes stripped.

    ``/v1/portal/iserver/accounts/`` -> ``/iserver/accounts``; paths outside the API are
    returned unchanged (without a trailing slash), so callers can tell them apart.
    """
    for prefix in API_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :]
            break
    stripped = path.rstrip("/")
    return stripped or "/"


def is_api_path(path: str) -> bool:
    """True for paths under ``/v1/api`` or ``/v1/portal``."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


class ApiRouter:
    """Registers one handler under every spelling a client may use for an API path.

    ``add_get("/iserver/accounts", h)`` serves ``/v1/api/iserver/accounts``,
    ``/v1/api/iserver/accounts/``, and the same under ``/v1/portal``. Paths may be given with or
    without the ``/v1/api`` prefix and may hold aiohttp placeholders (``{accountId}``), which
    handlers read from ``request.match_info`` as usual. HEAD is not added for GET routes.
    """

    def __init__(self, router: web.UrlDispatcher) -> None:
        self._router = router

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on every spelling of ``path``."""
        relative = api_path(path if path.startswith("/") else "/" + path)
        for prefix in API_PREFIXES:
            for variant in _spellings(prefix + relative):
                self._router.add_route(method.upper(), variant, handler)

    def add_routes(self, methods: Iterable[str], path: str, handler: Handler) -> None:
        """Register one handler for several methods (e.g. GET and POST on ``/tickle``)."""
        for method in methods:
            self.add_route(method, path, handler)

    def add_get(self, path: str, handler: Handler, **_: object) -> None:
        """aiohttp-style alias of ``add_route("GET", ...)``."""
        self.add_route("GET", path, handler)

    def add_post(self, path: str, handler: Handler, **_: object) -> None:
        """aiohttp-style alias of ``add_route("POST", ...)``."""
        self.add_route("POST", path, handler)


def _spellings(path: str) -> tuple[str, str]:
    """The path without and with a trailing slash."""
    return (path, path + "/")
