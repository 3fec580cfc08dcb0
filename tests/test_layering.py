"""The import structure: `domain/` at the bottom, the fronts above it, no arrow up, no circle.

Read from the code's own imports (every `import`, at any depth, `TYPE_CHECKING` ones too), so a
new module is held to the rules the day it is written. docs/architecture.md explains the floors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FRONTS = ("web", "daemon", "worker", "cli")
PACKAGES = ("domain", *FRONTS)
# The CLI starts the other processes: `crateloop daemon` runs the daemon in its own process.
PROCESS_STARTER = "cli.processes"
WEB_FRAMEWORKS = ("litestar", "jinja2", "uvicorn", "click")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module `module` imports, absolute (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            # `from domain import channels` imports the module domain.channels
            yield from (f"{base}.{alias.name}" for alias in node.names)


MODULES = _modules()
GRAPH = {
    module: sorted({name for name in _imports(module, path) if name in MODULES} - {module})
    for module, path in MODULES.items()
}
EXTERNAL = {
    module: sorted({name.split(".")[0] for name in _imports(module, path)})
    for module, path in MODULES.items()
}


def _top(module: str) -> str:
    return module.split(".")[0]


def test_the_graph_is_read() -> None:
    """The reader finds the imports it is meant to judge (a broken reader passes everything)."""
    assert "domain.resources" in GRAPH["domain.loops.mapper"]
    assert "domain.channels" in GRAPH["domain.loops.mapper"]  # via `from domain import channels`
    assert "domain.jobs" in GRAPH["worker.actors"]
    assert "litestar" in EXTERNAL["web.app"]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _top(m) == "domain"))
def test_domain_imports_no_front_and_no_web_framework(module: str) -> None:
    fronts = [name for name in GRAPH[module] if _top(name) in FRONTS]
    frameworks = [name for name in EXTERNAL[module] if name in WEB_FRAMEWORKS]
    assert not fronts, f"{module} imports a front: {fronts}"
    assert not frameworks, f"{module} imports {frameworks}: the web belongs in web/"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _top(m) in FRONTS))
def test_no_front_imports_another_front(module: str) -> None:
    others = [name for name in GRAPH[module] if _top(name) in FRONTS and _top(name) != _top(module)]
    if module == PROCESS_STARTER:
        others = [name for name in others if name != "daemon.main"]
    assert not others, f"{module} imports another front: {others}; share it through domain/"


def test_no_import_circles() -> None:
    """Tarjan's strongly connected components: any component of two or more is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in GRAPH[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not circles, f"modules that import each other in a circle: {circles}"
