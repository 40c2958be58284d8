"""PyInstaller: ``ibkr_desktop.resources`` lives in the top-level ``resources/`` folder
(``package-dir`` in pyproject.toml). Add the repository root to the package's search path so
PyInstaller finds and bundles it as ``ibkr_desktop.resources`` (an editable install maps it
with an import hook PyInstaller does not consult; a wheel install has it in place already)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pre_safe_import_module(api):  # noqa: ANN001,ANN201 -- PyInstaller's hook signature
    """Let ``ibkr_desktop.resources`` resolve to ``<root>/resources``."""
    if (ROOT / "resources" / "__init__.py").is_file():
        api.append_package_path(str(ROOT))
