"""The log during an outage: runs of alike lines summarised once a minute, each with its code."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from ibkr_desktop.app.log import RepeatSummary
from ibkr_desktop.client.stream import StreamWorker
from tests.client.conftest import FAST
from tests.helpers import ManualClock, wait_until


class Lines(logging.Handler):
    """The formatted lines a log file would get."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


Summary = tuple[logging.Logger, RepeatSummary, Lines, ManualClock]


@pytest.fixture
def summary() -> Iterator[Summary]:
    logger = logging.getLogger("ibkr_desktop.test.summary")
    clock, lines = ManualClock(), Lines()
    handler = RepeatSummary([lines], clock=clock)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, handler, lines, clock
    logger.removeHandler(handler)


def test_a_run_of_alike_lines_becomes_one_line_and_a_summary_a_minute(summary: Summary) -> None:
    logger, _, lines, clock = summary
    for i in range(180):  # 3 lines a second for a minute, each with its own numbers
        logger.warning("retry in %.1f s (attempt %d)", 0.5, i)
        if i == 90:
            logger.info("quote batch %d", i)
        clock.advance(1 / 3)
    assert lines.lines == ["WARNING ibkr_desktop.test.summary: retry in 0.5 s (attempt 0)",
                           "INFO ibkr_desktop.test.summary: quote batch 90"]
    clock.advance(0.1)
    logger.warning("retry in %.1f s (attempt %d)", 0.5, 180)
    assert lines.lines[2:] == [
        "WARNING ibkr_desktop.test.summary: … 179 more like this in the last minute "
        "(last: retry in 0.5 s (attempt 179))",
        "WARNING ibkr_desktop.test.summary: retry in 0.5 s (attempt 180)"]


@pytest.mark.expect_errors
def test_a_different_level_is_another_run_and_close_writes_what_is_held(summary: Summary) -> None:
    logger, handler, lines, clock = summary
    for _ in range(3):
        logger.warning("gateway down")
        logger.error("gateway down")
    assert len(lines.lines) == 2
    handler.close()
    assert lines.lines[2:] == [
        "WARNING ibkr_desktop.test.summary: … 2 more like this in the last minute "
        "(last: gateway down)",
        "ERROR ibkr_desktop.test.summary: … 2 more like this in the last minute "
        "(last: gateway down)"]
    clock.advance(120)
    handler.close()
    assert len(lines.lines) == 4  # a run with nothing held back writes no summary


async def test_an_outage_of_refused_handshakes_logs_the_http_code_once_a_minute() -> None:
    """A gateway refusing the stream with 401 (logged out): the worker retries quickly; the
    log shows the first failure with "HTTP 401" and, a minute later, how many more came."""
    attempts = 0

    def refuse(connection: ServerConnection, request: Request) -> Response:
        nonlocal attempts
        attempts += 1
        return connection.respond(HTTPStatus.UNAUTHORIZED, "no session\n")

    logger = logging.getLogger("ibkr_desktop.client.stream")
    clock, lines = ManualClock(), Lines()
    handler = RepeatSummary([lines], clock=clock)
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        async with serve(lambda ws: ws.close(), "127.0.0.1", 0, process_request=refuse) as srv:
            url = f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1/api/ws"
            worker = StreamWorker(url, timings=FAST.stream)
            worker.start("0" * 32)
            try:
                await wait_until(lambda: attempts >= 4)
                assert "HTTP 401" in worker.status.reason
                clock.advance(60)
                seen = attempts
                await wait_until(lambda: attempts > seen + 1)
            finally:
                await worker.stop()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    failed = [line for line in lines.lines if "stream connect failed" in line]
    assert failed[0].startswith(f"INFO ibkr_desktop.client.stream: stream connect failed "
                                f"(stream handshake refused at {url}: HTTP 401 Unauthorized")
    summaries = [line for line in lines.lines if "more like this" in line]
    assert len(summaries) == 1
    assert re.search(r"… \d+ more like this in the last minute \(last: stream connect failed "
                     r"\(stream handshake refused at .*: HTTP 401 Unauthorized", summaries[0])
    assert len(failed) == 3  # the first, the summary of the rest, the first of the next minute
