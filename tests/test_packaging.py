"""House rules that CI can check: environment files agree, templates are stripped, README commands."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def requirement_name(spec: str) -> str:
    return re.split(r"[<>=!\[ ]", spec, maxsplit=1)[0].lower()


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = {requirement_name(s): s for s in project["project"]["dependencies"]}
    wanted.update({requirement_name(s): s for s in project["dependency-groups"]["dev"]})
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed = {}
    for item in env["dependencies"]:
        specs = item["pip"] if isinstance(item, dict) else [item]
        for spec in specs:
            if not spec.startswith("-"):
                listed[requirement_name(spec)] = spec
    for name, spec in wanted.items():
        assert name in listed, f"{name} is in pyproject.toml but not environment.yml"
        bound = spec[len(name) :].replace("[pandas]", "")
        assert bound in listed[name], (
            f"{name}: pyproject {spec!r} vs environment.yml {listed[name]!r}"
        )


def test_notebook_templates_are_stripped_and_parameterised():
    templates = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert templates
    for path in templates:
        notebook = json.loads(path.read_text())
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), path
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code), path


def test_readme_quickstart_has_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Quickstart", 1)[1].split("```", 2)[1]
    commands = [
        line for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2, commands
    assert commands[1] in (REPO / ".ci" / "run").read_text()
