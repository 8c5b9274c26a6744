"""The package's shape (docs/architecture.md): no import cycle, no private name across modules, small modules,
no seed fact in the code, one public entry point per measure, ``__all__`` everywhere.

The import graph is read from the source with :mod:`ast`, so it holds every ``import`` / ``from ... import``
of a module, at module level *and* inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import aictlab

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "aictlab"
MAX_LINES = 800
SEED_IDS = re.compile(r"ciedel_2017|cnfpt_2012|meae_2025|cuf_2023_")
TWIN_SUFFIXES = ("_from_segments", "_from_counts", "_from_lines")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> list[tuple[str, str | None, int]]:
    """``(imported module, imported name or None, line)`` for every aictlab import of module ``name``.

    ``from aictlab import schema`` is an import of ``aictlab.schema``; ``from aictlab.corpus import Corpus``
    of ``aictlab.corpus`` (name ``Corpus``); relative imports are resolved against the module's package.
    """
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target != "aictlab" and not target.startswith("aictlab."):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append(
                    (submodule, None, node.lineno)
                    if submodule in MODULES
                    else (target, alias.name, node.lineno)
                )
        elif isinstance(node, ast.Import):
            found.extend((a.name, None, node.lineno) for a in node.names if a.name.startswith("aictlab"))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the aictlab modules it imports (``from aictlab import __version__`` excepted, see below)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for target, imported, _ in imports_of(name):
            if target == "aictlab" and imported == "__version__":
                continue  # a constant of the package root, which imports nothing at import time
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, and modules importing themselves (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_imports_inside_functions():
    # corpus.py imports aictlab.io inside load_corpus only: the graph must hold that edge
    assert "aictlab.io" in import_graph()["aictlab.corpus"]


def test_no_import_cycle_among_modules():
    assert cycles(import_graph()) == []


def test_modules_import_only_the_version_from_the_package_root():
    # the root's lazy re-exports (aictlab.__getattr__) stay outside the graph only because of this rule
    offenders = [
        f"{name}:{line} imports {imported!r} from aictlab"
        for name in MODULES
        for target, imported, line in imports_of(name)
        if target == "aictlab" and imported != "__version__"
    ]
    assert offenders == []


def test_no_private_name_imported_across_modules():
    offenders = [
        f"{name}:{line} imports {target}.{imported}"
        for name in MODULES
        for target, imported, line in imports_of(name)
        if imported and imported.startswith("_") and not imported.startswith("__")
    ]
    assert offenders == []


def test_no_module_over_the_line_limit():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_seed_document_id_in_the_code():
    offenders = [
        f"{name}:{i}"
        for name, path in MODULES.items()
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SEED_IDS.search(line)
    ]
    assert offenders == []


def public_names(name: str) -> set[str]:
    """Public functions and classes a module defines (module level)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
    }


def test_no_twin_entry_points():
    twins = sorted(
        f"{name}.{function}"
        for name in MODULES
        for function in public_names(name)
        if function.endswith(TWIN_SUFFIXES)
    )
    assert twins == []


def declared_all(name: str) -> list[str] | None:
    """The module's ``__all__`` as written (a list or tuple of strings, possibly with ``*other``), or None."""
    for node in ast.parse(MODULES[name].read_text(encoding="utf-8")).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return [e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)]
    return None


def test_every_module_defines_all():
    missing = [name for name in MODULES if declared_all(name) is None]
    assert missing == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_all_lists_names_the_module_has(name):
    listed = declared_all(name)
    if listed is None:
        pytest.fail(f"{name} has no __all__")
    module = importlib.import_module(name)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
    # every public function and class the module defines is listed (a helper is named _private)
    assert sorted(public_names(name) - set(module.__all__)) == []


def test_the_package_root_exports_resolve():
    assert [n for n in aictlab.__all__ if not hasattr(aictlab, n)] == []
    assert callable(aictlab.load_corpus) and aictlab.load_corpus.__module__ == "aictlab.corpus"
