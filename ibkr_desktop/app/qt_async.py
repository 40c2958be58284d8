"""A typed ``qasync.asyncSlot``: the one place the untyped decorator is cast.

``asyncSlot`` makes a coroutine method a Qt slot that, when a signal calls it, schedules the
coroutine as a task on the qasync loop (errors go to ``sys.excepthook``, i.e. the crash
reporter). Calling the decorated method returns that ``asyncio.Task``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, cast

from qasync import asyncSlot

P = ParamSpec("P")

AsyncMethod = Callable[P, Coroutine[Any, Any, None]]


def async_slot(*types: type) -> Callable[[AsyncMethod[P]], Callable[P, asyncio.Task[None]]]:
    """``@async_slot(int)`` over ``async def method(self, value: int) -> None``."""
    return cast(Callable[[AsyncMethod[P]], Callable[P, "asyncio.Task[None]"]], asyncSlot(*types))
