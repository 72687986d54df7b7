"""The package's imports go one way, and each third-party library is used by the module that owns it.

Read from the source with ast (nothing is imported): every `import` and `from … import`, at any
depth (the commands' lazy imports count too), between radiocast's own modules and to libraries.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import radiocast

PACKAGE = Path(radiocast.__file__).parent

# A library → the modules (or subpackages, by prefix) that may import it.
OWNERS: Mapping[str, tuple[str, ...]] = {
    "requests": ("radiocast.fetch",),
    "urllib3": ("radiocast.fetch",),
    "mutagen": ("radiocast.tagging",),
    "feedgen": ("radiocast.feed", "radiocast.podcast2"),
    "jinja2": ("radiocast.site",),
    "werkzeug": ("radiocast.serve",),
    "click": ("radiocast.cli",),
    "rich": ("radiocast.cli", "radiocast.console"),
    "boto3": ("radiocast.deploy_s3",),
    "botocore": ("radiocast.deploy_s3",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str) -> Iterator[str]:
    """Every module *path* (the module *name*) imports, absolute, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    """radiocast's modules → the radiocast modules each imports (a submodule import counts for its module)."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        edges[name] = {target for target in imports(path, name) if target in known and target != name}
    return edges


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the path that closes it (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """What the test above relies on: a reintroduced pipeline ⇄ produce cycle is caught."""
    edges = {name: set(targets) for name, targets in graph().items()}
    edges["radiocast.produce"].add("radiocast.pipeline")
    assert ["radiocast.pipeline", "radiocast.produce"] in cycles(edges)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_a_library_is_imported_only_where_it_belongs(library: str) -> None:
    users = {
        name
        for name, path in modules().items()
        for target in imports(path, name)
        if target == library or target.startswith(f"{library}.")
    }
    strangers = sorted(u for u in users if not any(u == o or u.startswith(f"{o}.") for o in OWNERS[library]))
    assert strangers == [], f"{library} belongs to {', '.join(OWNERS[library])}"
    assert users, f"nothing imports {library}: update OWNERS"
