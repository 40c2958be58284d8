"""WatchlistPanel: typeahead search adds contracts; rows and named lists are edited by keyboard."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from ibkr_desktop.models.watchlist import WatchItem, WatchlistModel
from ibkr_desktop.models.watchlists import WatchlistSet
from ibkr_desktop.protocol.errors import GatewayUnreachable
from ibkr_desktop.protocol.events import ContractMatch
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel
from tests.helpers import wait_until

# the typeahead popup asks the offscreen platform for raise()/keyboard grab, which it lacks
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

UNIVERSE = [ContractMatch(265598, "AAPL", "APPLE INC", "NASDAQ", "STK"),
            ContractMatch(4391, "AMD", "ADVANCED MICRO DEVICES", "NASDAQ", "STK"),
            ContractMatch(3691937, "AMZN", "AMAZON.COM INC", "NASDAQ", "STK")]


class FakeSearch:
    """Stands in for Broker.search_contracts: prefix match, records queries and answers; an
    answer can be held back until ``gate`` is set (a slow gateway, without a clock)."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.answered: list[str] = []
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self, text: str) -> list[ContractMatch]:
        self.queries.append(text)
        gate = self.gate
        if gate is not None:
            await gate.wait()
        self.answered.append(text)
        if self.fail:
            raise GatewayUnreachable("connection refused")
        return [m for m in UNIVERSE if m.symbol.startswith(text.upper())]


def button(dialog: QWidget | None, text: str) -> QAbstractButton:
    """The button labelled ``text`` of an open question box."""
    assert isinstance(dialog, QMessageBox) and dialog.isVisible()
    return next(b for b in dialog.buttons() if b.text() == text)


def make_panel(qtbot, items: list[WatchItem] | None = None):
    search = FakeSearch()
    default = [WatchItem(8314, "IBM"), WatchItem(272093, "MSFT")]
    lists = WatchlistSet({"Main": items if items is not None else default})
    panel = WatchlistPanel(WatchlistModel(), lists, search)
    panel.search.setFocus()
    qtbot.addWidget(panel)
    panel.show()
    return panel, search


async def test_typeahead_search_then_enter_adds_the_exact_symbol(qtbot) -> None:
    """Typing 'am' offers AMD and AMZN after one debounced search; 'amzn' + Enter adds AMZN."""
    panel, search = make_panel(qtbot)
    changed = []
    panel.lists_changed.connect(lambda: changed.append(1))
    qtbot.keyClicks(panel.search, "am")
    await wait_until(lambda: len(panel.search.matches) == 2)
    assert search.queries == ["am"]
    qtbot.keyClicks(panel.search, "zn")
    await wait_until(lambda: [m.symbol for m in panel.search.matches] == ["AMZN"])
    panel.search.popup.hide()
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert panel.model.conids() == [8314, 272093, 3691937]
    assert panel.lists.items()[-1] == WatchItem(3691937, "AMZN", "AMAZON.COM INC")
    assert changed and panel.search.text() == ""


async def test_stale_search_answers_are_dropped(qtbot) -> None:
    """A slow answer for old text never replaces the matches of newer text."""
    panel, search = make_panel(qtbot)
    slow = search.gate = asyncio.Event()
    qtbot.keyClicks(panel.search, "a")
    await wait_until(lambda: search.queries == ["a"])
    search.gate = None
    qtbot.keyClicks(panel.search, "ap")
    await wait_until(lambda: [m.symbol for m in panel.search.matches] == ["AAPL"])
    slow.set()  # now the outdated answer for "a" arrives
    await wait_until(lambda: "a" in search.answered)
    await asyncio.sleep(0)  # one more loop turn for the panel to handle it
    assert [m.symbol for m in panel.search.matches] == ["AAPL"]


async def test_search_failure_is_a_message_not_a_crash(qtbot) -> None:
    """When the gateway is down, the search box reports it in the status line."""
    panel, search = make_panel(qtbot)
    search.fail = True
    messages = []
    panel.message.connect(messages.append)
    qtbot.keyClicks(panel.search, "ibm")
    await wait_until(lambda: messages)
    assert "Contract search failed" in messages[0]


def test_delete_and_ctrl_arrows_edit_rows(qtbot) -> None:
    """Delete removes the selected row; Ctrl+Down/Up move it; the list is stored each time."""
    panel, _ = make_panel(qtbot, [WatchItem(1, "A"), WatchItem(2, "B"), WatchItem(3, "C")])
    table = panel.table
    table.setFocus()
    table.select_row(0)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert panel.model.conids() == [2, 1, 3]
    qtbot.keyClick(table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert panel.model.conids() == [1, 2, 3]
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert panel.model.conids() == [2, 3]
    assert [i.conid for i in panel.lists.items()] == [2, 3]
    texts = [a.text() for a in table.build_menu().actions() if a.text()]
    assert texts[:3] == ["Remove from watchlist", "Move up", "Move down"]


def test_named_lists_switch_create_rename_delete(qtbot) -> None:
    """Several named lists: each keeps its own rows; the picker follows; deleting asks."""
    panel, _ = make_panel(qtbot)
    panel.new_list("Tech")
    assert panel.picker.currentText() == "Tech" and panel.model.conids() == []
    panel.add_contract(UNIVERSE[0])
    panel.switch_to("Main")
    assert panel.model.conids() == [8314, 272093]
    panel.switch_to("Tech")
    assert panel.model.conids() == [265598]
    panel.rename_list("Chips")
    assert panel.lists.names == ["Main", "Chips"]
    panel.delete_list()
    button(panel.dialog, "Delete watchlist").click()
    assert panel.lists.names == ["Main"] and panel.picker.currentText() == "Main"
    assert [panel.picker.itemText(i) for i in range(panel.picker.count())] == ["Main"]


async def test_enter_before_the_answer_adds_the_best_match_once_it_arrives(qtbot) -> None:
    """'amd' + Enter at once: "searching…" shows, nothing is added until the one search
    answers, then AMD is added (no second Enter) and the box is empty."""
    panel, search = make_panel(qtbot)
    gate = search.gate = asyncio.Event()
    qtbot.keyClicks(panel.search, "amd")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)  # before the debounce even ran
    await wait_until(lambda: search.queries == ["amd"])
    assert panel.search.cue.isVisible() and panel.search.cue.text() == "searching…"
    assert panel.model.conids() == [8314, 272093]
    gate.set()
    await wait_until(lambda: len(panel.model.conids()) == 3)
    assert panel.model.items()[-1].symbol == "AMD"
    assert panel.search.text() == "" and not panel.search.cue.isVisible()
    assert search.queries == ["amd"]


async def test_enter_with_no_match_says_so(qtbot) -> None:
    """Enter on text nothing matches adds nothing and names the text."""
    panel, search = make_panel(qtbot)
    messages: list[str] = []
    panel.message.connect(messages.append)
    qtbot.keyClicks(panel.search, "zzz")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    await wait_until(lambda: messages)
    assert messages == ["No contract matches “zzz”"] and panel.model.conids() == [8314, 272093]
    assert not panel.search.cue.isVisible()


async def test_picking_a_popup_line_leaves_the_box_empty(qtbot) -> None:
    """A line picked in the popup adds its contract; the box is empty after, so the next
    typed symbol is searched and added on its own."""
    panel, search = make_panel(qtbot)
    qtbot.keyClicks(panel.search, "am")
    await wait_until(lambda: panel.search.popup.isVisible())
    popup = panel.search.popup
    popup.setCurrentIndex(popup.model().index(1, 0))  # AMZN
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    await wait_until(lambda: panel.model.conids()[-1] == 3691937)
    assert panel.search.text() == ""
    qtbot.keyClicks(panel.search, "aapl")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    await wait_until(lambda: panel.model.items()[-1].symbol == "AAPL")
    assert search.queries[-1] == "aapl" and panel.search.text() == ""


async def test_escape_empties_the_box_and_closes_the_popup(qtbot) -> None:
    """Escape, popup open or not, empties the box; a late answer does not reopen it."""
    panel, search = make_panel(qtbot)
    qtbot.keyClicks(panel.search, "am")
    await wait_until(lambda: panel.search.popup.isVisible())
    qtbot.keyClick(panel.search.popup, Qt.Key.Key_Escape)
    assert not panel.search.popup.isVisible() and panel.search.text() == ""
    gate = search.gate = asyncio.Event()
    qtbot.keyClicks(panel.search, "aa")
    await wait_until(lambda: search.queries[-1:] == ["aa"])
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and not panel.search.cue.isVisible()
    gate.set()
    await wait_until(lambda: "aa" in search.answered)
    await asyncio.sleep(0)
    assert panel.search.matches == [] and not panel.search.popup.isVisible()
