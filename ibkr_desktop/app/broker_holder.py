"""The one shared object presenters get the current Broker from.

The connection can be switched at run time (settings dialog), so no presenter keeps a broker:
each connects to :attr:`BrokerHolder.broker_changed` and wires itself to every new broker. A
new window (chart, order ticket) adds a presenter that does the same; nobody else changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.broker import Broker


class BrokerHolder(QObject):
    """Holds the current :class:`Broker` (None while disconnected).

    Signals:
        broker_changed (Broker | None): a new broker, not started yet, or None (the previous
            one is stopping; it is deleted soon after).
    """

    broker_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.broker: Broker | None = None

    def set(self, broker: Broker | None) -> None:
        """Make ``broker`` current and tell every presenter."""
        self.broker = broker
        self.broker_changed.emit(broker)
