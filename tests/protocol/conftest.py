"""Protocol tests: keep Hypothesis' storage out of the repo.

A ``.hypothesis`` folder in the repo root makes pytest's collection warn (the project sets
``norecursedirs``), and warnings are errors here; so Hypothesis writes to the temp folder.
"""

from __future__ import annotations

import pathlib
import tempfile

from hypothesis import configuration

configuration.set_hypothesis_home_dir(
    pathlib.Path(tempfile.gettempdir()) / "ibkr-desktop-hypothesis"
)
