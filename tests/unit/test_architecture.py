"""The package's shape: stage layers, no import cycle, a light streaming detector.

The import graph is read from the source (every ``import`` statement,
including those inside functions, except under ``TYPE_CHECKING``), so a lazy
import cannot hide a cycle or a layer violation.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "samm_pipeline"

# Which parts of the package each part may import (besides itself). Parts are
# the top-level modules and the subpackages; this table is the architecture
# page's import direction, checked.
BASE = {"errors", "config", "landmarks", "clip"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "config": {"errors"},
    "landmarks": set(),
    "clip": {"landmarks"},
    "_support": {"errors", "config"},
    "io": BASE | {"_support"},
    "extract": BASE | {"_support", "io"},
    "prepare": BASE | {"_support"},
    "learn": BASE | {"_support", "io", "prepare", "viz"},
    "infer": BASE | {"_support", "io", "prepare", "extract", "spot"},
    "viz": BASE | {"_support", "io", "prepare"},
    "demo": BASE | {"_support", "io", "extract", "learn", "infer", "spot"},
    "spot": BASE | {"_support", "prepare", "io"},
    "cli": BASE | {"io", "extract", "learn", "infer", "viz", "demo", "spot"},
    "__init__": BASE | {"_support"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    return skipped


def import_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports (anywhere in its source)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                # `from samm_pipeline.prepare import align` imports a module
                targets |= {
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if f"{node.module}.{alias.name}" in modules
                }
        graph[name] = {
            target
            for target in targets
            if target in modules and target != name and target != "samm_pipeline"
        }
    return graph


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_import_follows_the_layers():
    violations = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in sorted(targets)
        if part_of(target) != part_of(module)
        and part_of(target) not in ALLOWED[part_of(module)]
    ]
    assert not violations, "\n".join(violations)


def test_every_part_is_declared():
    assert {part_of(module) for module in import_graph()} == set(ALLOWED)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a list of nodes, or ``None``.

    >>> find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    True
    >>> find_cycle({"a": {"b"}, "b": {"a"}})
    ['a', 'b', 'a']
    """
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    assert find_cycle(import_graph()) is None


def test_the_checks_see_a_cycle_and_a_violation(tmp_path, monkeypatch):
    """The graph reader finds an injected back edge (so the tests above can fail)."""
    graph = import_graph()
    graph["samm_pipeline.io.store"].add("samm_pipeline.learn.pipeline")
    assert find_cycle(graph) is not None
    assert "learn" not in ALLOWED["io"]


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        (
            "samm_pipeline.infer.detect",
            ("samm_pipeline.learn", "samm_pipeline._support.parallel", "tensorflow"),
        ),
        ("samm_pipeline.extract.worker", ("tensorflow", "samm_pipeline.learn")),
        ("samm_pipeline", ("numpy", "zarr", "tensorflow", "mediapipe", "cv2")),
        ("samm_pipeline.viz", ("matplotlib", "tensorflow")),
        (
            "samm_pipeline.spot.spotter",
            ("tensorflow", "zarr", "mediapipe", "cv2", "samm_pipeline.learn"),
        ),
    ],
)
def test_importing_a_module_stays_light(module, forbidden):
    code = f"import sys, {module}\nprint('\\n'.join(sorted(sys.modules)))\n"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = [
        name
        for name in loaded
        for prefix in forbidden
        if name == prefix or name.startswith(prefix + ".")
    ]
    assert not heavy, f"importing {module} loads {heavy}"


def public_definitions() -> dict[str, list[str]]:
    """Top-level public name -> the modules that define it (not import it)."""
    defined: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names: list[str] = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            for name in names:
                if not name.startswith("_") and name not in {"logger", "__all__"}:
                    defined.setdefault(name, []).append(module_name(path))
    return defined


def test_no_public_name_is_defined_twice():
    twice = {
        name: where for name, where in public_definitions().items() if len(where) > 1
    }
    assert not twice


def test_no_module_is_over_about_500_lines():
    sizes = {
        module_name(path): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert not {name: size for name, size in sizes.items() if size > 500}


@pytest.mark.parametrize(
    "package", ["samm_pipeline", "samm_pipeline.viz", "samm_pipeline.demo"]
)
def test_every_lazily_exported_name_resolves(package):
    import importlib

    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if getattr(module, name, None) is None]
    assert not missing and set(module.__all__) <= set(dir(module))
