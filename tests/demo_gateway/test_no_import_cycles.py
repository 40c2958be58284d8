"""The demo gateway reads top to bottom: no import cycles among its modules.

Checked on the real import graph (grimp, which import-linter ships), type-checking-only imports
included: a cycle through ``if TYPE_CHECKING:`` still means two modules know each other.
"""

from __future__ import annotations

import grimp

PACKAGE = "ibkr_desktop.demo_gateway"


def gateway_cycles() -> list[tuple[str, ...]]:
    """Every import cycle among demo_gateway modules, as (module, ..., module) tuples."""
    graph = grimp.build_graph("ibkr_desktop", cache_dir=None)
    modules = sorted(m for m in graph.modules if m.startswith(PACKAGE + "."))
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith(PACKAGE + "."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append((module, *back))
    return cycles


def test_demo_gateway_has_no_import_cycles() -> None:
    """Each module only imports modules that do not import it back, directly or not."""
    assert gateway_cycles() == []


def test_the_check_sees_type_checking_imports() -> None:
    """The graph includes ``if TYPE_CHECKING:`` imports, so such cycles cannot hide."""
    graph = grimp.build_graph("ibkr_desktop", cache_dir=None)
    details = graph.get_import_details(importer=f"{PACKAGE}.webapp",
                                       imported=f"{PACKAGE}.websocket")
    assert details, "webapp names the WebSocket hub's type"
