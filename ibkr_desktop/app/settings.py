"""Every persisted setting in one typed registry (qutebrowser's configdata, in miniature).

Organisation and application names are set once in ``main`` (``ibkr-desktop``/``ibkr-desktop``);
after that a plain ``QSettings()`` reaches the same store. Each :class:`Key` knows its type and
default and survives garbage in the store (a wrong type reads as the default). Structured values
are stored as JSON text so they round-trip identically in INI and native formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QByteArray, QSettings

from ibkr_desktop.client.quote_feed import DEFAULT_LINE_LIMIT
from ibkr_desktop.protocol.limits import Limits

ORGANISATION = "ibkr-desktop"
APPLICATION = "ibkr-desktop"
LAYOUT_VERSION = 3
"""Bump when docks/toolbars change so old saved layouts are ignored, not misapplied."""

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    """One setting: its path in QSettings, its Python type and default."""

    name: str
    type: type
    default: T
    doc: str

    def get(self, settings: QSettings | None = None) -> T:
        """The stored value, or the default when missing or of the wrong type."""
        store = settings or QSettings()
        raw = store.value(self.name)
        if raw is None:
            return self.default
        try:
            if self.type is bool:
                value: object = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true")
            elif self.type is bytes:
                value = bytes(raw.data()) if isinstance(raw, QByteArray) else None
            elif self.type is dict or self.type is list:
                value = json.loads(raw) if isinstance(raw, str) else None
            else:
                value = self.type(raw)
        except (TypeError, ValueError):
            return self.default
        return value if isinstance(value, self.type) else self.default  # type: ignore[return-value]

    def set(self, value: T, settings: QSettings | None = None) -> None:
        """Store ``value`` (JSON for dicts/lists, QByteArray for bytes)."""
        store = settings or QSettings()
        if self.type is dict or self.type is list:
            store.setValue(self.name, json.dumps(value))
        elif self.type is bytes:
            store.setValue(self.name, QByteArray(cast(bytes, value)))
        else:
            store.setValue(self.name, value)

    def clear(self, settings: QSettings | None = None) -> None:
        """Forget the stored value (the default applies again)."""
        (settings or QSettings()).remove(self.name)


class Keys:
    """The registry."""

    USE_DEMO = Key[bool]("gateway/use_demo", bool, True,
                         "Run the embedded demo gateway instead of a real one.")
    GATEWAY_URL = Key[str]("gateway/url", str, "https://localhost:5000",
                           "Address of the IBKR Client Portal Gateway.")
    TLS_PIN = Key[str]("gateway/tls_pin", str, "",
                       "SHA-256 fingerprint of a trusted self-signed gateway certificate.")
    THEME = Key[str]("ui/theme", str, "dark", "'dark' or 'light'.")
    POPUP_SOUND = Key[bool]("ui/popup_sound", bool, False,
                            "Beep with each pop-up (fills, rejections, disconnects).")
    ANNOUNCED_FILLS = Key[list[Any]]("orders/announced_fills", list, [],
                                     "Execution ids already announced (the latest ones), so a "
                                     "restart does not announce the day's fills again.")
    WATCHLISTS = Key[dict[str, Any]]("watchlist/lists", dict, {},
                                     "Named watchlists and the current one.")
    CHARTS = Key[list[Any]]("charts/open", list, [],
                            "Open chart windows, restored at the next start: "
                            "[{conid, symbol, timeframe, indicators}] in opening order.")
    WATCHLIST_COLUMNS = Key[dict[str, Any]]("watchlist/columns", dict, {},
                                            "Visible watchlist columns, order and widths.")
    TABLE_COLUMNS = Key[dict[str, Any]]("tables/columns", dict, {},
                                        "Column layout of the dock tables, by table name.")
    GEOMETRY = Key[bytes]("window/geometry", bytes, b"", "Main window geometry.")
    WINDOW_STATE = Key[bytes]("window/state", bytes, b"", "Dock and toolbar layout.")
    LAYOUT_VERSION = Key[int]("window/layout_version", int, 0,
                              "LAYOUT_VERSION the saved window state was made with.")
    SELECTED_ACCOUNT = Key[str]("account/selected", str, "", "Last account the user picked.")
    EXPORT_FOLDER = Key[str]("export/folder", str, "",
                             "Folder of the last table export (the save dialog starts there).")
    LIMITS_PAPER = Key[dict[str, Any]](
        "orders/limits_paper", dict, {},
        "Local order limits for demo and paper accounts (protocol.limits.Limits.to_json: "
        "max_quantity, max_notional, max_away_pct, max_orders_per_minute, on_breach "
        "'ask'/'block'); missing caps = none.")
    LIMITS_LIVE = Key[dict[str, Any]](
        "orders/limits_live", dict, {},
        "The same limits for live accounts, kept apart from paper.")
    MARKET_DATA_LINES = Key[int]("market_data/lines", int, DEFAULT_LINE_LIMIT,
                                 "Concurrent market-data lines of the IBKR account (default "
                                 "100; more with Quote Booster packs).")
    QUESTIONS_PAPER = Key[dict[str, Any]](
        "orders/questions_paper", dict, {},
        "Per IBKR order-question message id ('o163'...): 'ask' or 'confirm' (auto-confirm, "
        "sent to /iserver/questions/suppress) for demo and paper accounts; missing = ask.")
    QUESTIONS_LIVE = Key[dict[str, Any]](
        "orders/questions_live", dict, {},
        "The same policy for live accounts; missing = ask (live always asks by default).")


def settings_file() -> str:
    """Where the settings live (shown in the About box and the log)."""
    return QSettings().fileName()


def order_limits(mode: str) -> Limits:
    """The local order limits for a trading mode ("LIVE" has its own; DEMO/PAPER share one)."""
    key = Keys.LIMITS_LIVE if mode == "LIVE" else Keys.LIMITS_PAPER
    return Limits.from_json(key.get())
