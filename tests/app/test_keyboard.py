"""Keys of the running main window: one owner per key in every focus context, menus show keys,
Ctrl+F goes to the search box, Escape empties it, Ctrl+Z undoes a watchlist removal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from ibkr_desktop.widgets.table_view import DataTable
from tests.app.conftest import running_app
from tests.helpers import wait_until

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

Ctx = Qt.ShortcutContext


def _key(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def _homes(action: QAction) -> Iterator[QWidget]:
    """Widgets through which an action's keys are live: a menu counts through the action that
    opens it (a context menu opened by code has none, so its keys are only shown)."""
    for obj in action.associatedObjects():
        if isinstance(obj, QMenu):
            yield from _homes(obj.menuAction())
        elif isinstance(obj, QWidget):
            yield obj


def key_owners(window: QWidget) -> dict[str, dict[str, list[str]]]:
    """``{focus widget: {key: [owners]}}`` for every focusable widget of ``window``.

    Owners are QActions and QShortcuts (in their shortcut context: the window, a widget and its
    children, or a widget) and DataTable.bind_key keys (the table itself).
    """
    scoped: list[tuple[QWidget, Ctx, str, str]] = []  # (home, context, key, owner)
    for obj in window.findChildren(QObject):
        if isinstance(obj, QAction):
            homes = {id(w): w for w in _homes(obj)}.values()
            for home in homes:
                for seq in obj.shortcuts():
                    owner = f"action {obj.text()!r}"
                    scoped.append((home, obj.shortcutContext(), _key(seq), owner))
        elif isinstance(obj, QShortcut) and isinstance(obj.parent(), QWidget):
            for seq in obj.keys():
                owner = f"shortcut {obj.objectName()}"
                scoped.append((obj.parent(), obj.context(), _key(seq), owner))
        if isinstance(obj, DataTable):
            for keys, _callback in obj._keys:  # the table's own keys (bind_key)
                seq = QKeySequence(keys)
                scoped.append((obj, Ctx.WidgetShortcut, _key(seq), f"{obj.title} key"))
    focusable = [window] + [w for w in window.findChildren(QWidget)
                            if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.window() is window]
    out: dict[str, dict[str, list[str]]] = {}
    for focus in focusable:
        live: dict[str, list[str]] = defaultdict(list)
        for home, context, key, owner in scoped:
            if home.window() is not focus.window():
                continue
            if isinstance(home, QMenuBar) or context in (Ctx.WindowShortcut,
                                                         Ctx.ApplicationShortcut):
                hit = True
            elif context == Ctx.WidgetWithChildrenShortcut:
                hit = home is focus or home.isAncestorOf(focus)
            else:
                hit = home is focus
            if hit and owner not in live[key]:
                live[key].append(owner)
        out[f"{type(focus).__name__} {focus.objectName()}"] = live
    return out


def ambiguous(window: QWidget) -> dict[str, dict[str, list[str]]]:
    """The keys with more than one owner, per focus widget."""
    found = {}
    for focus, keys in key_owners(window).items():
        twice = {k: owners for k, owners in keys.items() if len(owners) > 1}
        if twice:
            found[focus] = twice
    return found


def menu_texts(menu: QMenu) -> list[str]:
    """Each action as the menu draws it: text, tab, shown key."""
    out = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        out.append(f"{action.text()}\t{shown}" if shown else action.text())
    return out


async def test_every_key_has_one_owner_and_ctrl_f_reaches_the_search_box(qapp, qtbot) -> None:
    """With every presenter built (and a chart open), no key is owned twice in any focus
    context; Ctrl+F from the orders table puts the cursor in the search box; Escape empties
    it; a duplicate owner added on purpose is reported."""
    async with running_app(qapp) as app:
        window = app.window
        chart = app.presenters.charts.open_chart(265598, "AAPL")
        for table in window.tables:
            table.build_menu()  # context menus built (their keys are shown, not owned)
        assert ambiguous(window) == {} and ambiguous(chart) == {}
        owners = key_owners(window)
        search = window.watchlist.search
        assert owners["ContractSearchBox contractSearch"]["Ctrl+F"] == ["action '&Add symbol…'"]
        assert owners["OrdersTable Orders"]["Del"] == ["Orders key"]

        qtbot.keyClicks(search, "IBM")
        window.activateWindow()
        window.orders_table.setFocus()
        qtbot.keyClick(window.orders_table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: search.hasFocus())
        assert search.selectedText() == "IBM"
        qtbot.keyClick(search, Qt.Key.Key_Escape)
        assert search.text() == "" and search.hasFocus()

        extra = QAction("Find again", window)
        extra.setShortcut(QKeySequence("Ctrl+F"))
        window.addAction(extra)
        assert ambiguous(window)["ContractSearchBox contractSearch"]["Ctrl+F"] == [
            "action '&Add symbol…'", "action 'Find again'"]


async def test_menus_show_keys_and_ctrl_z_undoes_a_removal(qapp, qtbot) -> None:
    """The Watchlist menu shows each key of the watchlist table and Ctrl+F/Ctrl+Z; Delete then
    Ctrl+Z puts the row back and the menu reads "Undo remove MSFT"."""
    async with running_app(qapp) as app:
        window = app.window
        table = window.watchlist.table
        watch = next(a.menu() for a in window.menu_bar.actions() if a.text() == "&Watchlist")
        texts = menu_texts(watch)
        for key in table._keys:
            shown = QKeySequence(key[0]).toString(QKeySequence.SequenceFormat.NativeText)
            assert any(t.endswith(f"\t{shown}") for t in texts), (shown, texts)
        assert "&Add symbol…\tCtrl+F" in texts and "&Undo\tCtrl+Z" in texts
        for each in window.tables:  # each table's context menu shows the table's own keys
            shown_keys = [t.split("\t")[1] for t in menu_texts(each.build_menu()) if "\t" in t]
            for key in each._keys:
                assert QKeySequence(key[0]).toString(
                    QKeySequence.SequenceFormat.NativeText) in shown_keys, (each.title, key)

        before = app.watchlist.conids()
        table.setFocus()
        table.select_row(1)
        qtbot.keyClick(table, Qt.Key.Key_Delete)
        assert app.watchlist.conids() == before[:1] + before[2:]
        assert "&Undo remove MSFT\tCtrl+Z" in menu_texts(watch)
        qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert app.watchlist.conids() == before
        assert table.selected_rows() == [1]


async def test_window_title_names_the_mode_not_the_app(qapp) -> None:
    """The title is the mode (and account): the platform adds the app's name itself."""
    async with running_app(qapp) as app:
        await wait_until(lambda: "·" in app.window.windowTitle())
        title = app.window.windowTitle()
        assert title.startswith("DEMO · ") and "ibkr" not in title.lower()
