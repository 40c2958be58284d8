"""Types for the parts of qasync the package uses (qasync ships no annotations).

mypy reads this through ``mypy_path`` (pyproject); without it ``asyncSlot`` is an untyped
decorator and ``QEventLoop.run_until_complete`` returns Any.
"""

import asyncio
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, ParamSpec, Self, TypeVar

from PySide6.QtCore import QCoreApplication

_P = ParamSpec("_P")
_R = TypeVar("_R")

class QEventLoop(asyncio.SelectorEventLoop):
    def __init__(
        self,
        app: QCoreApplication | None = ...,
        set_running_loop: bool = ...,
        already_running: bool = ...,
    ) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

def asyncSlot(
    *args: Any, **kwargs: Any
) -> Callable[[Callable[_P, Coroutine[Any, Any, _R]]], Callable[_P, asyncio.Task[_R]]]:
    """Run a coroutine method as a Qt slot: each call schedules it as a task and returns it."""
