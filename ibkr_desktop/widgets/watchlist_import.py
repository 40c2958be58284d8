"""Import a watchlist from a symbol list or a CSV file, resolved through the contract search.

Shapes accepted:
    * a text file of symbols, one per line or separated by commas, semicolons or spaces;
    * a CSV file (``.csv``): the column headed "Symbol" (any case; also "Ticker"), else the
      first column (a first cell that is not a symbol, e.g. a header, is skipped by the search).
Each symbol is searched like a typed one and must match a contract's symbol exactly (any case);
the others are reported by name in one message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from ibkr_desktop.models.columns import count_of
from ibkr_desktop.models.watchlist import WatchItem
from ibkr_desktop.widgets.contract_search import SearchFn

_SEPARATORS = re.compile(r"[\s,;]+")
_SYMBOL_HEADERS = ("symbol", "ticker")


def parse_symbols(text: str, *, is_csv: bool = False) -> list[str]:
    """Upper-case symbols in file order, without duplicates or blanks."""
    if is_csv:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
        column = 0
        if rows:
            header = [c.strip().lower() for c in rows[0]]
            named = [header.index(h) for h in _SYMBOL_HEADERS if h in header]
            if named:
                column, rows = named[0], rows[1:]
        cells = [row[column] for row in rows if len(row) > column]
    else:
        cells = _SEPARATORS.split(text)
    return list(dict.fromkeys(c.strip().upper() for c in cells if c.strip()))


def read_symbols(path: Path) -> list[str]:
    """:func:`parse_symbols` of a file (CSV when it ends in ``.csv``); raises OSError."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    return parse_symbols(text, is_csv=path.suffix.lower() == ".csv")


async def resolve(symbols: Sequence[str], search: SearchFn,
                  ) -> tuple[list[WatchItem], list[str]]:
    """(items found, in order; symbols with no exact match), one search per symbol."""
    found: list[WatchItem] = []
    missing: list[str] = []
    for symbol in symbols:
        matches = [m for m in await search(symbol) if m.symbol.upper() == symbol]
        if matches:
            found.append(WatchItem(matches[0].conid, matches[0].symbol, matches[0].name))
        else:
            missing.append(symbol)
    return found, missing


def import_message(source: str, found: int, missing: Sequence[str]) -> str:
    """One status line: how many symbols of which file were found, and which were not."""
    total = found + len(missing)
    text = f"Imported {found} of {count_of(total, 'symbol')} from {source}"
    if missing:
        text += f"; not found: {', '.join(missing)}"
    return text
