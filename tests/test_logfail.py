"""The harness's error recorder (tests/logfail.py) sees what the autouse fixture fails tests on."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
import pytestqt.plugin

from tests import conftest
from tests.logfail import ErrorRecorder


async def test_an_unretrieved_task_exception_is_recorded(expected_errors: ErrorRecorder) -> None:
    """A task that dies with nobody awaiting it is logged by the loop and recorded."""

    async def doomed() -> None:
        raise ValueError("nobody awaits me")

    task = asyncio.get_running_loop().create_task(doomed())
    await asyncio.wait([task])
    del task  # the loop reports "Task exception was never retrieved" when the task is freed
    assert any("never retrieved" in m for m in expected_errors.messages())


async def test_a_failing_loop_callback_is_recorded(expected_errors: ErrorRecorder) -> None:
    """An exception in a plain loop callback goes to the loop's handler, which logs it."""
    done = asyncio.Event()

    def broken() -> None:
        done.set()
        raise KeyError("callback")

    asyncio.get_running_loop().call_soon(broken)
    await done.wait()  # resumes after the callback (and the handler's log call) finished
    assert any("Exception in callback" in m for m in expected_errors.messages())


def test_errors_from_other_threads_are_recorded(expected_errors: ErrorRecorder) -> None:
    """The embedded gateway logs from its own thread; those errors count too."""
    worker = threading.Thread(target=lambda: logging.getLogger("gw").error("thread trouble"))
    worker.start()
    worker.join()
    assert expected_errors.messages() == ["gw: thread trouble"]


def test_warnings_are_not_errors() -> None:
    """WARNING and below never fail a test."""
    recorder = ErrorRecorder()
    recorder.install()
    try:
        logging.getLogger("x").warning("just a warning")
    finally:
        recorder.uninstall()
    assert recorder.records == []


@pytest.mark.expect_errors
def test_the_marker_lets_a_test_log_errors() -> None:
    """A test marked expect_errors may log errors without failing."""
    logging.getLogger("x").error("expected")



def test_pytest_qt_leaves_a_paused_test_loop_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    """Between an async test's phases pytest-qt's event processing does not run the paused
    qasync loop's callbacks (a task resumed outside its loop would die); once it is closed, it
    processes events as usual."""
    loop = conftest._qasync_loop()
    ran: list[str] = []
    try:
        loop.call_soon(ran.append, "callback")
        pytestqt.plugin._process_events()
        assert ran == []
        loop.run_until_complete(asyncio.sleep(0))
        assert ran == ["callback"]
    finally:
        loop.close()
