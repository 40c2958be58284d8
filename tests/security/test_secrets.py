"""Secrets: session ids, cookies and full account numbers never reach the log file, the
journal's CSV export or the crash dialog (account ids show masked, ``DU***567``); the settings
file holds no secret; the app stores no credential at all (nothing for the OS keyring)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ibkr_desktop.app import log
from ibkr_desktop.app.crash import CrashReporter
from ibkr_desktop.app.settings import Keys
from ibkr_desktop.app.startup import App
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.orders import OrderQuestion, OrderTicket
from ibkr_desktop.protocol.redaction import mask_accounts, redact
from tests.app.conftest import running_app
from tests.helpers import wait_until

ACCOUNT, MASKED = "DU1234567", "DU***567"
AAPL = 265598
CREDENTIAL_WORDS = ("password", "passwd", "secret", "token", "cookie", "session", "credential")


def test_account_ids_are_masked_and_nothing_else_is() -> None:
    """Every IBKR account form is masked to its prefix and last three digits; conids, order
    ids, made-up symbols and plain words are left alone."""
    assert mask_accounts("POST /portfolio/DU1234567/positions/invalidate") == (
        "POST /portfolio/DU***567/positions/invalidate")
    assert mask_accounts("Connected (U7654321), F1234567 and DF9876543") == (
        "Connected (U***321), F***567 and DF***543")
    untouched = "order 1090403591 for conid 265598 (SYN001, UNH, FUTURE U2)"
    assert mask_accounts(untouched) == untouched
    assert redact(f"Connected ({ACCOUNT}).") == f"Connected ({MASKED})."


async def _secrets_of(app: App) -> list[str]:
    """The session id and every cookie value the app holds for its gateway."""
    assert app.broker is not None
    await wait_until(lambda: app.broker is not None and app.broker.keeper.session_id)
    transport = app.broker.rest._transport  # noqa: SLF001 -- the cookie jar the app keeps
    assert transport is not None
    cookies = [c.value for c in transport.session.cookies if c.value and len(c.value) >= 8]
    return [str(app.broker.keeper.session_id), *cookies]


async def _confirm(question: OrderQuestion) -> bool:
    return True


async def test_log_journal_export_and_crash_dialog_hold_no_secret(  # type: ignore[no-untyped-def]
        qapp, tmp_path: Path, expected_errors) -> None:
    """A session that trades and then crashes: the log file, the journal CSV and the crash
    dialog's text hold neither the session id, nor a cookie, nor the full account number;
    the journal and the log name the account masked."""
    root = logging.getLogger()
    before = list(root.handlers)
    log_path = log.setup_logging(logging.DEBUG, console=False)
    try:
        async with running_app(qapp) as app:
            secrets = await _secrets_of(app)
            assert app.broker is not None
            outcome = await app.broker.orders.place(
                OrderTicket(AAPL, Side.BUY, 1, OrderType.LMT, price=50.0), _confirm)
            assert outcome.accepted
            export = tmp_path / "journal.csv"
            assert app.presenters.journal.export_to(str(export)) > 0
            reporter = CrashReporter(str(log_path))
            reporter.window = app.window
            try:
                raise RuntimeError(f"bad answer for {ACCOUNT}; Cookie: api={secrets[0]}")
            except RuntimeError as exc:
                reporter.report(type(exc), exc, exc.__traceback__, "a test")
            await wait_until(lambda: reporter._box is not None)  # noqa: SLF001
            box = reporter._box  # noqa: SLF001
            assert box is not None
            shown = f"{box.text()}\n{box.informativeText()}\n{box.detailedText()}"
            box.close()
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
    journal = export.read_text(encoding="utf-8")
    logged = log_path.read_text(encoding="utf-8")
    for where, text in (("journal export", journal), ("log file", logged),
                        ("crash dialog", shown)):
        for secret in [*secrets, ACCOUNT]:
            assert secret not in text, f"{secret[:4]}… reached the {where}"
    assert MASKED in journal and MASKED in logged and MASKED in shown
    assert expected_errors.records  # the crash was logged (as an error, redacted)


@pytest.mark.qt_log_ignore("This plugin does not support")  # a chart window's raise(), offscreen
async def test_settings_file_holds_no_secret(qapp) -> None:  # type: ignore[no-untyped-def]
    """After a session (connected, a chart and the layout saved) the settings file holds no
    session id or cookie, and no key is named after a credential."""
    async with running_app(qapp) as app:
        secrets = await _secrets_of(app)
        app.presenters.charts.open_chart(AAPL, "AAPL")
        app.window.save_columns()
    settings = QSettings()
    settings.sync()
    text = Path(settings.fileName()).read_text(encoding="utf-8", errors="replace")
    assert settings.allKeys(), "nothing was saved: the test would prove nothing"
    for secret in secrets:
        assert secret not in text
    for key in settings.allKeys():
        assert not any(word in key.lower() for word in CREDENTIAL_WORDS), key


def test_the_app_stores_no_credential_so_nothing_needs_the_keyring() -> None:
    """The user logs in on the gateway's own page; the app never asks for, keeps or stores a
    password or token: no setting is a credential and no module touches a keyring. (Should
    one ever be stored, it must go to the OS keyring: this test then has to change.)"""
    for key in vars(Keys).values():
        name = getattr(key, "name", "")
        if name:
            assert not any(word in name.lower() for word in CREDENTIAL_WORDS), name
    package = Path(__file__).resolve().parents[2] / "ibkr_desktop"
    sources = [p for p in package.rglob("*.py")]
    assert len(sources) > 50
    for source in sources:
        text = source.read_text(encoding="utf-8").lower()
        assert "import keyring" not in text and "password=" not in text, source


@pytest.mark.parametrize("text", ["x-sess-uuid=0123456789abcdef0123", "tic+0123456789abcdef0123"])
def test_session_forms_are_redacted(text: str) -> None:
    """The forms a session id takes in the stream and cookies are all redacted."""
    assert "0123456789abcdef0123" not in redact(text)
