"""Composition: one flat, logged start-up function that builds the app (style §7).

As qutebrowser's ``app.py`` ``_init_modules``: build the shared objects first (the broker
holder, the quote feed, the notifier), then the models and the window, then one presenter per
feature. Each presenter wires itself (to the holder's ``broker_changed``, the feed and the
notifier); a new window (chart, order ticket) adds a presenter here and edits no other.
:class:`App` only holds what :func:`build` made; it has no wiring of its own.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from ibkr_desktop.app import log
from ibkr_desktop.app.broker_holder import BrokerHolder
from ibkr_desktop.app.main_window import MainWindow
from ibkr_desktop.app.presenters.account import AccountPresenter
from ibkr_desktop.app.presenters.charts import ChartsPresenter, Trading
from ibkr_desktop.app.presenters.demo_account import DemoAccountPresenter
from ibkr_desktop.app.presenters.journal import JournalPresenter
from ibkr_desktop.app.presenters.notifications import NotificationsPresenter
from ibkr_desktop.app.presenters.orders import OrdersPresenter
from ibkr_desktop.app.presenters.positions import PositionsPresenter
from ibkr_desktop.app.presenters.session import Endpoint, SessionPresenter
from ibkr_desktop.app.presenters.settings import SettingsPresenter
from ibkr_desktop.app.presenters.ticket import TicketPresenter
from ibkr_desktop.app.presenters.watchlist import WatchlistPresenter, contract_search
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.client.broker import Broker, ClientTimings
from ibkr_desktop.client.notices import Notifier
from ibkr_desktop.client.quote_feed import QuoteFeed
from ibkr_desktop.models.account import AccountModel
from ibkr_desktop.models.fills import FillsModel
from ibkr_desktop.models.frame_clock import FrameClock
from ibkr_desktop.models.orders import OrdersModel
from ibkr_desktop.models.positions import PositionsModel
from ibkr_desktop.models.watchlist import WatchlistModel
from ibkr_desktop.models.watchlists import WatchlistSet
from ibkr_desktop.widgets.orders_panel import OrdersTable
from ibkr_desktop.widgets.watchlist_panel import WatchlistPanel

if TYPE_CHECKING:
    from ibkr_desktop.demo_gateway.server import GatewayConfig, ThreadedGateway

_log = log.get("app.startup")


@dataclass(slots=True)
class Presenters:
    """One per feature."""

    session: SessionPresenter
    watchlist: WatchlistPresenter
    positions: PositionsPresenter
    orders: OrdersPresenter
    account: AccountPresenter
    notifications: NotificationsPresenter
    settings: SettingsPresenter
    ticket: TicketPresenter
    journal: JournalPresenter
    demo_account: DemoAccountPresenter
    charts: ChartsPresenter


class App(QObject):
    """The running app's parts (parent of every non-widget part, so one delete frees them)."""

    holder: BrokerHolder
    feed: QuoteFeed
    notifier: Notifier
    clock: FrameClock
    watchlist: WatchlistModel
    positions: PositionsModel
    orders: OrdersModel
    fills: FillsModel
    account: AccountModel
    window: MainWindow
    presenters: Presenters

    @property
    def broker(self) -> Broker | None:
        """The current broker (None while disconnected)."""
        return self.holder.broker

    async def connect_to(self, endpoint: Endpoint,
                         demo_gateway: Future[ThreadedGateway] | None = None) -> None:
        """Start repainting and connect (see :meth:`SessionPresenter.connect_to`)."""
        self.clock.start()
        await self.presenters.session.connect_to(endpoint, demo_gateway)

    async def shutdown(self) -> None:
        """Quit path: stop the frame clock, then everything that talks to a gateway."""
        self.clock.stop()
        await self.presenters.session.close()


def build(qapp: QApplication, *, gateway_config: GatewayConfig | None = None,
          client_timings: ClientTimings | None = None,
          line_limit: int | None = None) -> App:
    """Build the whole app, not yet connected (``await app.connect_to(...)`` next).

    Args:
        qapp: the application (themes apply to it).
        gateway_config: the embedded demo gateway's config (tests); None = the app's default.
        client_timings: the client's intervals and limits (tests shrink them).
        line_limit: IBKR's concurrent market-data lines for this account; None = the
            ``market_data/lines`` setting (default 100).
    """
    if line_limit is None:
        line_limit = max(1, Keys.MARKET_DATA_LINES.get())
    app = App()
    _log.debug("start-up: broker holder, quote feed (%d lines), notifier", line_limit)
    app.holder = holder = BrokerHolder(app)
    app.feed = feed = QuoteFeed(line_limit=line_limit, parent=app)
    app.notifier = notifier = Notifier(app)
    holder.broker_changed.connect(feed.attach)
    feed.notice.connect(notifier.publish)

    _log.debug("start-up: models and frame clock")
    app.clock = clock = FrameClock(fps=30, parent=app)
    app.watchlist = WatchlistModel(parent=app)
    app.positions = PositionsModel(parent=app)
    app.orders = OrdersModel(parent=app)
    app.fills = FillsModel(parent=app)
    app.account = AccountModel(parent=app)
    models = (app.watchlist, app.positions, app.orders, app.fills, app.account)
    for model in models:
        clock.register(model)

    _log.debug("start-up: main window")
    lists = WatchlistSet.from_json(Keys.WATCHLISTS.get() or None)
    panel = WatchlistPanel(app.watchlist, lists, contract_search(holder))
    app.window = window = MainWindow(panel, OrdersTable(app.orders), app.positions, app.fills,
                                     app.account)

    _log.debug("start-up: presenters (notifications first: the others may post at once)")
    notifications = NotificationsPresenter(notifier, holder, window, parent=app)
    session = SessionPresenter(holder, window, notifier, gateway_config=gateway_config,
                               client_timings=client_timings, parent=app)
    ticket = TicketPresenter(holder, feed, notifier, window, parent=app)
    app.presenters = Presenters(
        session=session,
        watchlist=WatchlistPresenter(app.watchlist, panel, feed, parent=app),
        positions=PositionsPresenter(app.positions, feed, holder, window.positions_table,
                                     ticket.open_ticket, app.fills, parent=app),
        orders=OrdersPresenter(app.orders, app.fills, window.orders_table, holder, notifier,
                               window.doctor, window.menu_bar, parent=app),
        account=AccountPresenter(app.account, window, holder, parent=app),
        notifications=notifications,
        settings=SettingsPresenter(qapp, window, session, models, parent=app),
        ticket=ticket,
        journal=JournalPresenter(holder, notifier, window, parent=app),
        demo_account=DemoAccountPresenter(holder, session, window, notifier, parent=app),
        charts=ChartsPresenter(feed, holder, clock, Trading(app.orders, app.fills, app.positions,
                                                            ticket.open_ticket),
                               panel, window.positions_table, window, parent=app),
    )

    _log.debug("start-up: saved layout")
    window.restore_layout()
    for table in window.tables:
        table.columns_changed.connect(window.save_columns)  # after the restore, not during it
        table.paint_meter = clock.add_work
        table.export_folder = Keys.EXPORT_FOLDER
    _log.info("start-up: app built")
    return app
