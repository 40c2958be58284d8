"""The main window: mode banner + watchlist in the centre, docks around it, doctor at the bottom.

Layout only: it owns the widgets, menus, docks and the saved/default layout (versioned, so a
layout saved by an older build is ignored rather than misapplied). The presenters feed it data
and handle its requests; the status bar has a message line (left, fed by the app's notifier)
and the connection doctor (right).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMenuBar,
    QVBoxLayout,
    QWidget,
)

from ibkr_desktop.app.settings import LAYOUT_VERSION, Keys
from ibkr_desktop.app.window_geometry import place_window
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.freshness import stale_title
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.widgets.icons import app_icon
from ibkr_desktop.widgets.mode_banner import MODES, ModeBanner
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.status_bar import ConnectionDoctor, MessageLine
from ibkr_desktop.widgets.table_view import DataTable
from ibkr_desktop.widgets.tray import TrayIcon
from ibkr_desktop.widgets.watchlist_panel import ROW_KEYS, WatchlistPanel


class MainWindow(QMainWindow):
    """Top-level window.

    Signals:
        closing(): the user closed the window (the app shuts down).
        settings_requested(): File > Settings.
        theme_requested(str): View > Theme.
        help_requested(str): Help menu topics ("gateway", "logs", "about").
        message(str): a status text of the window itself ("Layout restored to the default").
        ticket_requested(str): Orders > Buy/Sell (hotkeys B/S): "BUY" or "SELL" the
            watchlist's selected symbol.
        question_policy_requested(): Orders > Order questions.
        limits_requested(): Orders > Order limits.
        journal_requested(): Orders > Order journal.
        reset_demo_requested(): File > Reset demo account.
    """

    closing = Signal()
    settings_requested = Signal()
    theme_requested = Signal(str)
    help_requested = Signal(str)
    message = Signal(str)
    ticket_requested = Signal(str)
    question_policy_requested = Signal()
    limits_requested = Signal()
    journal_requested = Signal()
    reset_demo_requested = Signal()

    def __init__(self, watchlist: WatchlistPanel, orders: OrdersTable, positions: PositionsModel,
                 fills: FillsModel, account: AccountModel) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        place_window(self)  # fresh profile: fits the screen (restore_layout may move it)
        self.watchlist = watchlist
        # menu bar + mode banner span the full width, above every dock
        self.menu_bar = QMenuBar(self)
        self.banner = ModeBanner(self)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.menu_bar)
        top_layout.addWidget(self.banner)
        self.setMenuWidget(top)
        self.setCentralWidget(watchlist)

        self.orders_table = orders
        self.positions_table = DataTable(positions, name="Positions", sortable=True)
        self.fills_table = DataTable(fills, name="Executions", sortable=True)
        self.account_table = DataTable(account, name="Account")
        account_header = self.account_table.horizontalHeader()
        account_header.hide()
        # a narrow dock shortens the labels ("Net liquid…"), never the numbers
        account_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        account_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tables: list[DataTable] = [watchlist.table, self.positions_table, orders,
                                        self.fills_table, self.account_table]
        self.docks: dict[str, QDockWidget] = {}
        for table in self.tables[1:]:
            self.docks[table.title] = self._dock(table)
        self._arrange_default()

        self.message_line = MessageLine(self)
        self.doctor = ConnectionDoctor(self)
        self.message_line.shorter = self.doctor.instead_of  # never the doctor's sentence twice
        self.statusBar().addWidget(self.message_line, 1)  # left: what just happened
        self.statusBar().addPermanentWidget(self.doctor)  # right: the connection, always
        self.statusBar().setSizeGripEnabled(False)
        self.tray = TrayIcon(self)
        self._busy_tokens: dict[str, int] = {}
        for table in self.tables:
            table.busy.connect(lambda on, text, t=table.title: self._table_busy(t, on, text))
        self._build_menus()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.set_mode("DEMO", None)

    # -- mode -----------------------------------------------------------------------------
    def set_mode(self, mode: str, account: str | None) -> None:
        """DEMO/PAPER/LIVE in the title, the banner and the tray.

        The title is the mode first ("DEMO · DU1234567"): the platform appends the app's
        display name itself ("DEMO · DU1234567 — ibkr-desktop"), so the title never names it.
        """
        headline = MODES.get(mode, MODES["LIVE"]).headline
        suffix = f" · {account}" if account else ""
        self.setWindowTitle(f"{headline}{suffix}")
        self.banner.set_mode(mode, account)
        self.tray.set_mode(mode, account)

    def _table_busy(self, table: str, on: bool, text: str) -> None:
        if on:
            self._busy_tokens[table] = self.doctor.begin_busy(text)
        elif table in self._busy_tokens:
            self.doctor.end_busy(self._busy_tokens.pop(table))

    # -- layout ---------------------------------------------------------------------------
    def _dock(self, table: DataTable) -> QDockWidget:
        dock = QDockWidget(table.title, self)
        dock.setObjectName(f"dock{table.title}")
        dock.setWidget(table)
        table.source.stale_changed.connect(
            lambda since: dock.setWindowTitle(stale_title(table.title, since)))
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        return dock

    def _arrange_default(self) -> None:
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        docks = self.docks
        self.addDockWidget(bottom, docks["Positions"])
        self.addDockWidget(bottom, docks["Orders"])
        self.splitDockWidget(docks["Positions"], docks["Orders"], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(docks["Orders"], docks["Executions"])
        docks["Orders"].raise_()
        self.addDockWidget(right, docks["Account"])
        # sizes for a 1440x900 window, scaled to the window (small screens keep the watchlist)
        wide, high = self.width() / 1440, self.height() / 900
        account = max(round(300 * wide), min(260, self.width() // 3))  # its numbers readable
        self.resizeDocks([docks["Account"]], [account], Qt.Orientation.Horizontal)
        self.resizeDocks([docks["Positions"]], [round(300 * high)], Qt.Orientation.Vertical)
        self.resizeDocks([docks["Positions"], docks["Orders"]],
                         [round(660 * wide), round(780 * wide)], Qt.Orientation.Horizontal)

    def save_layout(self) -> None:
        """Persist geometry, dock layout (with its version) and table columns."""
        Keys.GEOMETRY.set(bytes(self.saveGeometry().data()))
        Keys.WINDOW_STATE.set(bytes(self.saveState(LAYOUT_VERSION).data()))
        Keys.LAYOUT_VERSION.set(LAYOUT_VERSION)
        self.save_columns()

    def save_columns(self) -> None:
        """Persist the column layout of every table."""
        Keys.WATCHLIST_COLUMNS.set(self.watchlist.table.column_state())
        Keys.TABLE_COLUMNS.set({t.title: t.column_state() for t in self.tables[1:]})

    def restore_layout(self) -> bool:
        """Re-apply the saved layout; False (default kept) when none or from another version."""
        self.watchlist.table.restore_column_state(Keys.WATCHLIST_COLUMNS.get())
        saved_columns = Keys.TABLE_COLUMNS.get()
        for table in self.tables[1:]:
            table.restore_column_state(saved_columns.get(table.title))
        geometry = Keys.GEOMETRY.get()
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
            place_window(self, restored=True)  # clamped to the screen it lands on
        state = Keys.WINDOW_STATE.get()
        if not state or Keys.LAYOUT_VERSION.get() != LAYOUT_VERSION:
            return False
        return self.restoreState(QByteArray(state), LAYOUT_VERSION)

    def restore_default_layout(self) -> None:
        """Docks, columns and size back to how a new install looks."""
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for table in self.tables:
            table.reset_columns()
        self.save_layout()
        self.message.emit("Layout restored to the default")

    # -- menus ----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menu_bar
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Settings…", self.settings_requested.emit,
                     QKeySequence.StandardKey.Preferences, "Ctrl+,")
        export = file_menu.addMenu("&Export watchlist")
        export.addAction("CSV…", lambda: self.watchlist.table.export_dialog("csv"))
        export.addAction("Excel…", lambda: self.watchlist.table.export_dialog("xlsx"))
        self.reset_demo_action = file_menu.addAction("&Reset demo account…",
                                                     self.reset_demo_requested.emit)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")

        self._build_watchlist_menu(bar.addMenu("&Watchlist"))

        orders = bar.addMenu("&Orders")
        self._action(orders, "&Buy selected symbol…", lambda: self.ticket_requested.emit("BUY"),
                     None, "B")
        self._action(orders, "&Sell selected symbol…",
                     lambda: self.ticket_requested.emit("SELL"), None, "S")
        orders.addSeparator()
        orders.addAction("Order &questions…", self.question_policy_requested.emit)
        orders.addAction("Order &limits…", self.limits_requested.emit)
        orders.addSeparator()
        orders.addAction("Cancel &all working orders…", self.orders_table.ask_cancel_all)
        orders.addAction("Order &journal…", self.journal_requested.emit)

        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        themes = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in ("dark", "light"):
            action = themes.addAction(name.title())
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: self.theme_requested.emit(n))
            group.addAction(action)
            self.theme_actions[name] = action
        view.addSeparator()
        view.addAction("&Restore default layout", self.restore_default_layout)
        self._action(view, "Focus &watchlist", self.watchlist.table.setFocus, None, "Alt+1")
        for n, title in enumerate(("Positions", "Orders", "Executions", "Account"), start=2):
            self._action(view, f"Focus &{title.lower()}", partial(self._focus_dock, title),
                         None, f"Alt+{n}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "How to &connect to IBKR…",
                     lambda: self.help_requested.emit("gateway"),
                     QKeySequence.StandardKey.HelpContents, "F1")
        help_menu.addAction("Open &log folder", lambda: self.help_requested.emit("logs"))
        help_menu.addAction("&About ibkr-desktop", lambda: self.help_requested.emit("about"))

    def _build_watchlist_menu(self, watch: QMenu) -> None:
        """Search, row commands (keys of the focused table, shown as text), undo, lists."""
        panel = self.watchlist
        self._action(watch, "&Add symbol…", panel.focus_search, QKeySequence.StandardKey.Find)
        for text, key, slot in (("Re&move selected symbols", "remove", panel.remove_selected),
                                ("Move &up", "up", lambda: panel.move_selected(-1)),
                                ("Move do&wn", "down", lambda: panel.move_selected(1)),
                                ("&Chart selected symbol", "chart", panel.request_chart)):
            # the key belongs to the watchlist table (other tables use Delete/Ctrl+G too)
            shown = QKeySequence(ROW_KEYS[key]).toString(QKeySequence.SequenceFormat.NativeText)
            watch.addAction(f"{text}\t{shown}", slot)
        watch.addSeparator()
        for action, standard in ((panel.undo_stack.createUndoAction(self, "&Undo"),
                                  QKeySequence.StandardKey.Undo),
                                 (panel.undo_stack.createRedoAction(self, "&Redo"),
                                  QKeySequence.StandardKey.Redo)):
            action.setShortcuts(QKeySequence.keyBindings(standard))
            watch.addAction(action)
        watch.addSeparator()
        panel.add_list_actions(watch)

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object],
                standard: QKeySequence.StandardKey | None, fallback: str = "") -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda *_: slot())  # drop triggered(bool)
        keys = QKeySequence.keyBindings(standard) if standard is not None else []
        if not keys and fallback:
            keys = [QKeySequence(fallback)]
        action.setShortcuts(keys)
        return action

    def _focus_dock(self, title: str) -> None:
        dock = self.docks[title]
        dock.show()
        dock.raise_()
        dock.widget().setFocus()

    def set_theme_checked(self, name: str) -> None:
        """Tick the current theme in View > Theme."""
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        """The connection doctor takes at most 3/5 of the status bar, so the message line keeps
        room for a sentence (the doctor's labels elide; their tooltips keep the whole text)."""
        super().resizeEvent(event)
        self.doctor.setMaximumWidth(max(240, event.size().width() * 3 // 5))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        self.tray.hide()
        self.closing.emit()
        super().closeEvent(event)
