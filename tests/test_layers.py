"""The layering contract: each package imports only the packages below it, and no module takes
part in an import cycle (counting imports inside functions, which only hide a cycle).

    pipeline        (CLI and, next, the web application on top of it)
      ├── extractors ─┐
      ├── registry ───┼── core   (settings, errors, vocabulary: imports nothing of ours)
      └── index ──────┘

The contract is checked on the source text, so it holds for code no test happens to import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "extractors", "registry", "index", "pipeline")
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "extractors": frozenset({"core"}),
    "registry": frozenset({"core"}),
    "index": frozenset({"core"}),
    "pipeline": frozenset({"core", "extractors", "registry", "index"}),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path
            for package in PACKAGES if (root / package).is_dir()
            for path in sorted((root / package).rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[int, str]]:
    """(line, module of ours) for every import statement in the file, wherever it stands.
    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module."""
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in PACKAGES:
                found.append((node.lineno, target))
    return found


def graph(root: Path) -> tuple[dict[str, Path], dict[str, list[tuple[int, str]]]]:
    modules = read_modules(root)
    return modules, {name: imports_of(name, path, modules) for name, path in modules.items()}


def upward_imports(root: Path) -> list[str]:
    modules, edges = graph(root)
    problems = []
    for name, targets in edges.items():
        package = name.split(".")[0]
        for line, target in targets:
            other = target.split(".")[0]
            if other != package and other not in ALLOWED[package]:
                problems.append(f"{modules[name].relative_to(root)}:{line} imports {target} "
                                f"({package} may import only {sorted(ALLOWED[package]) or 'nothing of ours'})")
    return problems


def cycles(root: Path) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), and self-imports."""
    _, edges = graph(root)
    successors = {name: sorted({target for _, target in targets if target != name})
                  for name, targets in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in successors.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(successors):
        if node not in index:
            visit(node)
    return found


def test_every_package_imports_only_the_layers_below_it():
    assert upward_imports(ROOT) == []


def test_no_module_takes_part_in_an_import_cycle():
    assert cycles(ROOT) == []


# The checks themselves must be able to fail: run them on small trees with the faults in them.

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("source", ["from pipeline.cli import main\n", "import pipeline.cli\n",
                                    "def later():\n    from pipeline import cli\n"])
def test_an_upward_import_is_found(tmp_path, source):
    root = _tree(tmp_path, {"pipeline/cli.py": "", "registry/records.py": source})
    [problem] = upward_imports(root)
    assert problem.startswith("registry/records.py:") and "imports pipeline" in problem


def test_core_importing_anything_of_ours_is_found(tmp_path):
    root = _tree(tmp_path, {"index/search.py": "", "core/settings.py": "from index.search import x\n"})
    assert [p.split(" (")[0] for p in upward_imports(root)] == ["core/settings.py:1 imports index.search"]


def test_a_cycle_through_a_lazy_import_is_found(tmp_path):
    root = _tree(tmp_path, {"extractors/pdf.py": "from extractors.scan import ocr_pages\n",
                            "extractors/scan.py": "def load():\n    from extractors import pdf\n"})
    assert cycles(root) == [["extractors.pdf", "extractors.scan"]]


def test_imports_downwards_and_within_a_package_pass(tmp_path):
    root = _tree(tmp_path, {"core/errors.py": "", "extractors/a.py": "from core.errors import X\nfrom . import b\n",
                            "extractors/b.py": "import core.errors\n",
                            "pipeline/p.py": "from extractors import a\nfrom registry import x\n"})
    assert upward_imports(root) == [] and cycles(root) == []
