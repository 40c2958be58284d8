"""Truth on screen, the whole app on its demo gateway: during an outage every dock says since
when its numbers are not current and dims them; once the session and the stream are back, the
docks are current again. (Delayed quotes, one meaning per account row and the freshest price
are shown model by model in tests/models/test_truth.py: the demo gateway streams only live
quotes.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from ibkr_desktop.app.startup import App
from ibkr_desktop.models.table import Role
from tests.app.conftest import fault, running_app
from tests.helpers import wait_until

DOCKS = ("Positions", "Orders", "Executions", "Account")


def titles(app: App) -> dict[str, str]:
    """The dock titles the user sees (tab or title bar)."""
    return {name: app.window.docks[name].windowTitle() for name in DOCKS}


def dimmed(app: App) -> bool:
    """The first positions row and the first account value are drawn stale."""
    positions, account = app.positions, app.account
    first = positions.index(0, positions.column_index("market_value"))
    value = account.index(0, 1)
    colour = positions.data(first, Qt.ItemDataRole.ForegroundRole)
    return bool(positions.data(first, Role.STALE) and account.data(value, Role.STALE)
                and colour is not None and colour.alpha() < 255)


async def test_every_dock_says_since_when_it_is_stale_and_recovers(qapp) -> None:
    """Logged out at the gateway -> "Positions — stale since HH:MM:SS" (and the other three),
    values dimmed; logged in again -> plain titles, values not dimmed."""
    async with running_app(qapp) as app:
        await wait_until(lambda: app.positions.rowCount() > 0 and app.account.value(
            "net_liquidation") is not None, timeout=10)
        assert titles(app) == {name: name for name in DOCKS}
        assert not dimmed(app)
        fault(app, "log_out")
        await wait_until(lambda: all(t.startswith(f"{n} — stale since ")
                                     for n, t in titles(app).items()), timeout=10)
        assert dimmed(app)
        since = titles(app)["Positions"].rsplit(" ", 1)[1]
        assert len(since) == 8 and since.count(":") == 2  # HH:MM:SS
        fault(app, "log_in")
        await wait_until(lambda: titles(app) == {name: name for name in DOCKS}, timeout=15)
        assert not dimmed(app)
