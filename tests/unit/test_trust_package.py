"""The trust model's package keeps its shape: small modules, readers that use
the state's read-only queries, and documented examples that hold."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path
from types import ModuleType

import pytest

import napci.domain.trust as package
from napci.domain.trust import kinds, products, rows, state

PACKAGE = Path(str(package.__file__)).parent

#: What a reader of the state may ask of it: its queries, never its parts.
QUERIES = {
    name
    for name, value in vars(state.TrustState).items()
    if not name.startswith("_") and name not in {"apply"}
} | {"half_life", "seq", "last_day"}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_module_of_the_package_passes_500_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500


@pytest.mark.parametrize("name", ["figures.py", "explain.py"])
def test_readers_use_the_states_queries_only(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
    asked = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "state"
    }
    assert asked, name
    assert asked <= QUERIES, asked - QUERIES


@pytest.mark.parametrize("module", [kinds, products, rows], ids=lambda m: m.__name__)
def test_the_documented_examples_hold(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
