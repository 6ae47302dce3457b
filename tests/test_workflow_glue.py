"""Snakemake glue: code hashes follow imports; failed steps leave no outputs and exit cleanly."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from birthgaps.core.errors import InputError
from birthgaps.core.runner import code_hash, import_closure, run_step

RULES_DIR = Path(__file__).resolve().parents[1] / "workflow" / "rules"
SCRIPTS_DIR = Path(__file__).resolve().parents[1] / "workflow" / "scripts"


def _rule_scripts() -> dict[str, tuple[str, str | None]]:
    """Each rule's script and the script named in its ``code=code_hash(...)`` param (None if absent)."""
    found = {}
    for smk in sorted(RULES_DIR.glob("*.smk")):
        for block in re.split(r"(?m)^(?=\s*rule \w+:)", smk.read_text()):
            name = re.search(r"rule (\w+):", block)
            script = re.search(r'script:\s*\n\s*"\.\./scripts/([\w.]+)"', block)
            if name and script:
                hashed = re.search(r'code=code_hash\("([\w.]+)"\)', block)
                found[name.group(1)] = (script.group(1), hashed.group(1) if hashed else None)
    return found


def _modules_really_imported(script: Path) -> set[str]:
    """Run only the script's import statements in a fresh interpreter; list the package modules loaded."""
    tree = ast.parse(script.read_text())
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    code = ast.unparse(ast.Module(body=imports, type_ignores=[]))
    probe = (
        code
        + "\nimport sys\nprint('\\n'.join(m for m in sys.modules if m.split('.')[0] == 'birthgaps'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_every_script_rule_hashes_its_own_script():
    rules = _rule_scripts()
    assert len(rules) >= 15
    for rule, (script, hashed) in rules.items():
        assert hashed == script, f"rule {rule} runs {script} but its code hash covers {hashed}"


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS_DIR.glob("*.py")))
def test_code_hash_covers_every_module_the_script_really_imports(script):
    """The bug of issue 10: a rule's hash missed modules its script imports (figures → report)."""
    loaded = _modules_really_imported(SCRIPTS_DIR / script)
    assert loaded, script
    missing = loaded - set(import_closure(script))
    assert not missing, f"{script}: editing {sorted(missing)} would not re-run its rule"


def test_editing_a_module_changes_the_hash_of_exactly_the_rules_that_import_it(
    tmp_path, monkeypatch
):
    """Editing one module changes the hash of every script whose closure holds it, and of no other."""
    from birthgaps.core import runner

    before = {s: code_hash(s) for s in sorted(p.name for p in SCRIPTS_DIR.glob("*.py"))}
    copy = tmp_path / "birthgaps"
    shutil.copytree(runner.PACKAGE_DIR, copy)
    target = copy / "stats" / "measures.py"
    target.write_text(target.read_text() + "\n# edited\n")
    monkeypatch.setattr(runner, "PACKAGE_DIR", copy)
    after = {s: code_hash(s) for s in before}
    for script in before:
        uses = "birthgaps.stats.measures" in import_closure(script)
        assert (before[script] != after[script]) == uses, script


def test_run_step_turns_input_errors_into_a_message_and_removes_outputs(tmp_path, capsys):
    out = tmp_path / "out.csv"
    smk = SimpleNamespace(log=[str(tmp_path / "log.txt")], output=[str(out)], rule="demo")

    def step(_):
        out.write_text("partial")
        raise InputError("something is wrong", file="x.csv", column="c", rows=3)

    with pytest.raises(SystemExit) as info:
        run_step(smk, step)
    assert info.value.code == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "something is wrong" in err and "rule: demo" in err and "rows affected: 3" in err
    assert "something is wrong" in (tmp_path / "log.txt").read_text()
