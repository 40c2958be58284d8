"""Order statuses with IBKR's spellings (reference §5.11): a value format shared by the client's
parsers and the demo gateway's answers, so both spell every status the same way.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """Order status with IBKR's spellings (§5.11)."""

    INACTIVE = "Inactive"
    PENDING_SUBMIT = "PendingSubmit"
    PRE_SUBMITTED = "PreSubmitted"
    SUBMITTED = "Submitted"
    FILLED = "Filled"
    PENDING_CANCEL = "PendingCancel"
    CANCELLED = "Cancelled"
    WARN_STATE = "WarnState"

    @classmethod
    def parse(cls, text: object) -> OrderStatus | None:
        """Tolerant lookup: ``"pre_submitted"``, ``"PRESUBMITTED"``, ``"Canceled"`` all work."""
        if not isinstance(text, str):
            return None
        key = text.replace("_", "").replace(" ", "").lower()
        return _STATUS_BY_KEY.get(key)


_STATUS_BY_KEY = {status.value.lower(): status for status in OrderStatus} | {
    "canceled": OrderStatus.CANCELLED,
    "apicancelled": OrderStatus.CANCELLED,
    "apicanceled": OrderStatus.CANCELLED,
    "apipending": OrderStatus.PENDING_SUBMIT,
}
