"""Glue between Snakemake and the package: source hashes for re-runs and the script runner."""

from __future__ import annotations

import ast
import hashlib
import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from birthgaps.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent


def _package_imports(module: str) -> set[str]:
    """Names of the birthgaps modules that ``module`` imports directly."""
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "birthgaps":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("birthgaps."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("birthgaps.")}
    return {name for name in found if (PACKAGE_DIR / f"{name}.py").exists()}


def module_closure(*modules: str) -> list[str]:
    """The named package modules and every package module they import, directly or not."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_package_imports(name) - seen)
    return sorted(seen)


def source_hash(*modules: str) -> str:
    """Short hash of the named modules and all they import, for ``params:`` so code changes re-run jobs."""
    digest = hashlib.sha256()
    for name in module_closure(*modules):
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def _remove_outputs(paths: list[str]) -> None:
    """Delete whatever a failed job wrote so no partial output survives."""
    for path in map(Path, paths):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def run_step(smk: Any, step: Callable[[Any], None]) -> None:
    """Run a Snakemake script body with logging to the rule's log and clean failure on bad input."""
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log_path,
        filemode="w",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("birthgaps").info("rule %s started", smk.rule)
    try:
        step(smk)
    except InputError as error:
        if error.rule is None:
            error.rule = smk.rule
        message = error.message()
        logging.getLogger("birthgaps").error(message)
        _remove_outputs(list(smk.output))
        print(message, file=sys.stderr)
        sys.exit(1)
    except Exception:
        logging.getLogger("birthgaps").exception("rule %s failed", smk.rule)
        _remove_outputs(list(smk.output))
        raise
    logging.getLogger("birthgaps").info("rule %s finished", smk.rule)
