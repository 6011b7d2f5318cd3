"""The shape of the package: no import cycle, and a command line that starts
without the heavy libraries.

The import graph is read from the source with :mod:`ast`, not from what
Python happens to import: every ``import`` and ``from … import`` inside
``src/napci`` counts, at the top of a module, inside a function or under
``if TYPE_CHECKING:`` alike. A ``TYPE_CHECKING`` import ties two modules as
surely as any other (neither can be read, type-checked or moved without the
other), so a cycle through one is a cycle.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"
PACKAGE = SRC / "napci"

#: What the command line must not load before a verb needs it.
HEAVY = ("sqlalchemy", "alembic", "fastapi", "psycopg", "numpy")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_of(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The package's modules that ``module`` imports, anywhere in its text."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # ``from pkg import sub`` imports the module pkg.sub
                if f"{base}.{alias.name}" in known:
                    yield f"{base}.{alias.name}"
                elif base in known:
                    yield base


def import_graph() -> dict[str, set[str]]:
    """Each module of ``napci`` and the modules of ``napci`` it imports."""
    known = _modules()
    return {
        module: set(_imported(module, path, known)) - {module}
        for module, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan),
    as the modules in import order, the first repeated at the end."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the group's first module (breadth first)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")  # pragma: no cover


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    # a plain top-level import
    assert "napci.domain.envelope" in graph["napci.domain.registry"]
    # a TYPE_CHECKING import
    assert "napci.services.platform" in graph["napci.cli.common"]
    # an import inside a function
    assert "napci.services.trust" in graph["napci.services.platform"]
    # ``from package import module``
    assert "napci.cli.ledger" in graph["napci.cli"]


def test_cycles_are_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles in src/napci:\n" + "\n".join(
        " -> ".join(cycle) for cycle in found
    )


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded once it has run ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted({m.partition(".")[0] for m in loaded} & set(HEAVY))


def test_the_command_line_imports_no_heavy_library() -> None:
    assert _heavy(_loaded_after("import napci.cli")) == []


#: What registering and describing the verbs may read of napci, besides the
#: command line itself: settings, and the light domain modules the options'
#: checks and defaults use.
HELP_READS = {
    "napci",
    "napci.settings",
    "napci.domain",
    "napci.domain.access",
    "napci.domain.text",
}


def test_help_reads_no_model_and_no_database_layer() -> None:
    """``napci --help`` registers every verb and prints their help without
    the domain's Pydantic models, the services or the database layers."""
    loaded = _loaded_after(
        "import contextlib, io, sys\n"
        "sys.argv = ['napci', '--help']\n"
        "from napci.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), "
        "contextlib.suppress(SystemExit):\n"
        "    main()\n"
    )
    read = {m for m in loaded if m.split(".")[0] == "napci"}
    assert "napci.cli" in read
    assert sorted(m for m in read - HELP_READS if not m.startswith("napci.cli")) == []
    assert _heavy(loaded) == []
