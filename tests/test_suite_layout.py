"""The test suite's own layout: shared helpers come from tests/support or conftest fixtures, never
from another test module (importing one runs its module-scoped fixtures again and couples files)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MODULES = sorted([*TESTS.glob("*.py"), *(TESTS / "support").glob("*.py")])


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(TESTS).as_posix())
def test_no_test_module_imports_another_or_conftest(path):
    test_modules = {p.stem for p in TESTS.glob("test_*.py")}
    wrong = imported_modules(path) & (test_modules | {"conftest", "tests"})
    assert not wrong, f"{path.name} imports {sorted(wrong)}: move the helper to tests/support/"


def test_the_check_sees_an_import_of_a_test_module(tmp_path):
    sample = tmp_path / "test_x.py"
    sample.write_text("def f():\n    from test_workflow import snakemake\n")
    assert "test_workflow" in imported_modules(sample)


@pytest.mark.workflow
def test_a_copy_of_the_shared_tiny_run_is_up_to_date(tiny_run, tmp_path):
    """The publication tests break files of a copy of the shared run: snakemake must see that copy
    as finished, or every one of them would quietly run the whole workflow again."""
    from support.workflow import copy_run, snakemake

    workdir = copy_run(tiny_run[0], tmp_path / "copy")
    result = snakemake(workdir, "--dry-run", configfile=workdir / tiny_run[2].name)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" in result.stdout + result.stderr
