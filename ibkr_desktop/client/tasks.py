"""Owned asyncio tasks: every background coroutine of the client is held and its failure logged.

qasync's ``background_tasks`` rule (style §2.5): a task nobody holds can be garbage-collected
mid-flight, and an exception nobody retrieves vanishes. :class:`TaskSet` holds them, logs an
unexpected exception once, and cancels them all on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    """A set of running tasks with logged failures and one ``cancel_all``."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._tasks: set[asyncio.Task[Any]] = set()

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` on the running loop and keep it until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error("task %s failed", task.get_name(), exc_info=task.exception())

    async def cancel_all(self, timeout: float = 5.0) -> None:
        """Cancel every task and wait (at most ``timeout``) until they have all ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                self._log.warning("task %s ignored its cancellation", task.get_name())
        self._tasks.difference_update(tasks)


async def sleep_or_wake(event: asyncio.Event, delay: float) -> None:
    """Sleep ``delay`` seconds or until ``event`` is set, whichever comes first.

    Built on ``asyncio.wait`` rather than ``wait_for``: on Python 3.11 ``wait_for`` can
    swallow a cancellation that arrives as the event fires, and a keeper loop that misses
    its cancellation never stops.
    """
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=delay)
    finally:
        waiter.cancel()
