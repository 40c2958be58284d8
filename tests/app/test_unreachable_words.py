"""A gateway that is not running: the status bar says so once, in one sentence with the
socket's code (it used to wrap the client's sentence in its own: "Cannot reach the gateway at X
(The gateway at X is not reachable: …)."), and the message line on the left does not repeat it
(it did, cut: "…Connection refu"): it names the state and the next step."""

from __future__ import annotations

import errno
import socket

from ibkr_desktop.app.presenters.session import Endpoint
from ibkr_desktop.app.startup import build
from tests.app.conftest import dispose, shows
from tests.client.conftest import FAST
from tests.helpers import wait_until


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_unreachable_gateway_is_one_sentence_with_its_errno(qapp) -> None:
    origin = f"https://127.0.0.1:{_closed_port()}"
    app = build(qapp, client_timings=FAST)
    app.window.show()
    try:
        await app.connect_to(Endpoint(demo=False, url=origin))
        doctor = app.window.doctor
        await wait_until(lambda: doctor.headline() == "Gateway not reachable", 10)
        expected = (f"The gateway at {origin} is not reachable: Connection refused (errno "
                    f"{errno.ECONNREFUSED} ECONNREFUSED). Is it running? Retrying…")
        assert doctor.detail_label.isVisible()
        assert doctor.detail_label.toolTip() == expected
        shown = doctor.detail_label.text()  # cut with "…" when the window is narrow
        assert shown == expected or (shown.endswith("…") and expected.startswith(shown[:-1]))
        # the message line does not repeat the doctor's sentence (cut short there): the next step
        line = await shows(app, "Gateway not reachable")
        assert line.endswith("Gateway not reachable: see “How to start it…” on the right")
        assert origin not in line and app.window.message_line.toolTip() == expected
    finally:
        await dispose(app)
