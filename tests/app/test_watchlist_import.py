"""Importing a watchlist in the running app: symbols resolved by the demo gateway's search."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import running_app, shows


async def test_a_symbol_list_becomes_a_watchlist_and_unknown_symbols_are_named(
        qapp, tmp_path) -> None:
    """"nflx, amd\\nQQQQX intc" in swing.txt makes a list "swing" of NFLX, AMD, INTC; the
    status line names QQQQX as not found."""
    async with running_app(qapp) as app:
        path = Path(tmp_path, "swing.txt")
        path.write_text("nflx, amd\nQQQQX intc\n", encoding="utf-8")
        await app.window.watchlist.import_file(path)
        assert app.window.watchlist.picker.currentText() == "swing"
        assert [i.symbol for i in app.watchlist.items()] == ["NFLX", "AMD", "INTC"]
        await shows(app, "Imported 3 of 4 symbols from swing.txt; not found: QQQQX")
