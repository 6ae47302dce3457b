"""The package's shape: stage sub-packages in data-flow layers, small modules, no cycles, no private reach.

Read from the source with ``ast`` (no imports run), so the checks see imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "birthgaps"
#: Stages in data-flow order: a module may import its own stage and the stages before it, never later.
LAYERS = ["core", "ingest", "clean", "stats", "models", "publish", "appendix"]
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    """Dotted name → file for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, imported name or None) for every package import anywhere in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("birthgaps"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((sub, None) if sub in MODULES else (node.module, alias.name))
        elif isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.startswith("birthgaps")]
    return found


def _graph() -> dict[str, set[str]]:
    return {
        name: {m for m, _ in _imports(path) if m in MODULES and m != name}
        - {"birthgaps"}
        - {n for n in MODULES if name.startswith(n + ".")}
        for name, path in MODULES.items()
    }


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else -1


def test_every_module_sits_in_a_stage_package():
    loose = [n for n in MODULES if n != "birthgaps" and _layer(n) < 0]
    assert not loose, f"modules outside the stage packages {LAYERS}: {loose}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_the_line_limit(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (limit {MAX_LINES}): split it by job"


def test_stages_import_only_themselves_and_earlier_stages():
    wrong = [
        f"{name} ({LAYERS[_layer(name)]}) imports {dep} ({LAYERS[_layer(dep)]})"
        for name, deps in _graph().items()
        for dep in deps
        if _layer(dep) > _layer(name)
    ]
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_no_module_uses_another_modules_private_names():
    """``from m import _x`` or ``m._x`` across modules hides a dependency the owner cannot see."""
    wrong = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        aliases = {}
        for module, imported in _imports(path):
            if imported and imported.startswith("_") and module != name:
                wrong.append(f"{name} imports {module}.{imported}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("birthgaps")
            ):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in MODULES and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                wrong.append(f"{name} uses {aliases[node.value.id]}.{node.attr}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_every_stage_package_says_what_enters_and_leaves_it():
    for stage in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text())) or ""
        assert len(doc.split()) >= 12, (
            f"birthgaps.{stage} needs a docstring: what enters and leaves it"
        )


def test_every_module_has_a_docstring():
    missing = [n for n, p in MODULES.items() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing, missing


def test_workflow_scripts_are_thin_and_call_the_package():
    scripts = sorted((PACKAGE.parents[1] / "workflow" / "scripts").glob("*.py"))
    assert scripts
    for script in scripts:
        tree = ast.parse(script.read_text())
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert len(script.read_text().splitlines()) <= 80, f"{script.name} is not thin"
        assert len(functions) <= 1, f"{script.name} defines logic; move it into the package"


def test_the_architecture_page_names_every_module_and_its_contracts_are_current():
    """docs/architecture.md is redrawn from the layout: every module named, contracts generated."""
    from birthgaps.core.catalogue import ARCHITECTURE_MARKER, restricted_markdown

    page = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text()
    for name in MODULES:
        short = name.rsplit(".", 1)[-1]
        if short not in LAYERS and name != "birthgaps":
            assert f"`{short}`" in page or f"`{short.split('_')[0]}_*`" in page, name
    generated = page.split(ARCHITECTURE_MARKER, 1)[1]
    assert generated.strip() == restricted_markdown().strip(), "run tools/outputs_docs.py"
