"""Settings dialog: which gateway to use (built-in demo or a real Client Portal Gateway) and theme.

It edits a :class:`SettingsChoice` value and returns it; persisting and reconnecting are the
app's job, so the dialog is testable without a gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

DEFAULT_GATEWAY_URL = "https://localhost:5000"


@dataclass(frozen=True, slots=True)
class SettingsChoice:
    """What the user can change here."""

    use_demo: bool
    gateway_url: str
    theme: str  # "dark" | "light"


def valid_gateway_url(text: str) -> bool:
    """An http(s) URL with a host."""
    url = QUrl(text.strip())
    return url.isValid() and url.scheme() in ("http", "https") and bool(url.host())


class SettingsDialog(QDialog):
    """Modal dialog; ``choice()`` is the edited value after ``exec()`` returns Accepted."""

    def __init__(self, current: SettingsChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(460)
        self.demo_button = QRadioButton("Built-in demo gateway (no IBKR account needed)", self)
        self.real_button = QRadioButton("IBKR Client Portal Gateway at:", self)
        group = QButtonGroup(self)
        group.addButton(self.demo_button)
        group.addButton(self.real_button)
        self.url_edit = QLineEdit(current.gateway_url or DEFAULT_GATEWAY_URL, self)
        self.url_edit.setPlaceholderText(DEFAULT_GATEWAY_URL)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.theme_box = QComboBox(self)
        self.theme_box.addItem("Dark", "dark")
        self.theme_box.addItem("Light", "light")
        self.theme_box.setCurrentIndex(0 if current.theme != "light" else 1)
        (self.demo_button if current.use_demo else self.real_button).setChecked(True)

        form = QFormLayout()
        form.addRow(self.demo_button)
        form.addRow(self.real_button)
        form.addRow("", self.url_edit)
        form.addRow("", self.hint)
        form.addRow("Theme:", self.theme_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        for signal in (self.demo_button.toggled, self.url_edit.textChanged):
            signal.connect(self._validate)
        self._validate()

    def choice(self) -> SettingsChoice:
        """The values as edited."""
        return SettingsChoice(self.demo_button.isChecked(),
                              self.url_edit.text().strip() or DEFAULT_GATEWAY_URL,
                              str(self.theme_box.currentData()))

    def _validate(self) -> None:
        real = self.real_button.isChecked()
        self.url_edit.setEnabled(real)
        ok = not real or valid_gateway_url(self.url_edit.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        if not real:
            self.hint.setText("Quotes, orders and fills are simulated locally.")
        elif ok:
            self.hint.setText("Start the gateway and log in at this address first. Changing "
                              "the gateway reconnects the app.")
        else:
            self.hint.setText("Enter an http(s) address such as https://localhost:5000.")
