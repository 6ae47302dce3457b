"""Glue between Snakemake and the package: source hashes for re-runs and the script runner."""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import resource
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from birthgaps.core.errors import InputError

#: ``src/birthgaps``: the package whose modules a rule's code hash covers.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: ``workflow/scripts``: the thin scripts the rules run.
SCRIPTS_DIR = Path(__file__).resolve().parents[3] / "workflow" / "scripts"


def module_file(name: str) -> Path | None:
    """File of the dotted package module ``name`` (``birthgaps.stats.rates``), or None if not one."""
    parts = name.split(".")
    if parts[0] != "birthgaps":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _with_parents(name: str) -> set[str]:
    """``a.b.c`` and the packages Python imports on the way to it: ``a``, ``a.b``."""
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


def imported_modules(path: Path) -> set[str]:
    """Dotted names of the package modules (and their parent packages) that ``path`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "birthgaps":
                found |= _with_parents(node.module)
                # ``from birthgaps.stats import rates`` imports the module ``birthgaps.stats.rates``
                found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "birthgaps":
                    found |= _with_parents(alias.name)
    return {name for name in found if module_file(name) is not None}


def import_closure(script: str | Path) -> list[str]:
    """Every package module that a workflow script imports, directly or through other modules."""
    path = Path(script)
    if not path.is_absolute():
        path = SCRIPTS_DIR / path
    seen: set[str] = set()
    todo = list(imported_modules(path))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(imported_modules(module_file(name)) - seen)  # type: ignore[arg-type]
    return sorted(seen)


def code_hash(script: str | Path) -> str:
    """Short hash of a workflow script and every package module it imports, for a rule's ``params:``.

    Editing any module the job's code runs re-runs the job (and nothing else), whatever the chain of
    imports; a test checks every rule against its script's real import closure.
    """
    path = Path(script) if Path(script).is_absolute() else SCRIPTS_DIR / script
    digest = hashlib.sha256(path.read_bytes())
    for name in import_closure(path):
        digest.update(b"\0" + name.encode() + b"\0" + module_file(name).read_bytes())  # type: ignore[union-attr]
    return digest.hexdigest()[:16]


def _remove_outputs(paths: list[str]) -> None:
    """Delete whatever a failed job wrote so no partial output survives."""
    for path in map(Path, paths):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def peak_memory_mb() -> int:
    """Peak resident memory of this process or of the largest child it waited for (papermill's
    kernel), in MB: what a job needs, logged so a rule's ``mem_mb`` can come from measurements."""
    peaks = (
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return round(max(peaks) / 1024)  # Linux reports KB


def run_step(smk: Any, step: Callable[[Any], None]) -> None:
    """Run a Snakemake script body with logging to the rule's log and clean failure on bad input.

    The log records the SLURM job a job ran in (when it ran under SLURM) and its peak memory."""
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
    if os.environ.get("SLURM_JOB_ID"):
        logging.getLogger("birthgaps").info("SLURM job %s", os.environ["SLURM_JOB_ID"])
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
    logging.getLogger("birthgaps").info(
        "rule %s finished, peak memory %d MB", smk.rule, peak_memory_mb()
    )
