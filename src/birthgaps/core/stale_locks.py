"""Restart after a killed run: Snakemake keeps its directory lock in ``.snakemake/locks`` and a run
killed with SIGKILL never removes it, so the next plain run would stop and ask for ``--unlock``.
Each run's main process records its pid; locks held by no live run are removed at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where each running workflow's main process leaves its pid (one empty file per pid).
RUNS_DIR = Path(".snakemake") / "birthgaps_runs"
LOCKS_DIR = Path(".snakemake") / "locks"


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def clear_stale_locks(workdir: str | Path = ".", pid: int | None = None) -> list[Path]:
    """Forget runs whose process has gone, remove Snakemake's locks when no recorded run is alive,
    and record this run (``pid``, default this process). Returns the lock files removed.

    Locks are kept while any recorded run lives, so a second run started beside a live one is
    still refused by Snakemake's own lock check.
    """
    workdir = Path(workdir)
    runs, locks = workdir / RUNS_DIR, workdir / LOCKS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    alive = False
    for entry in runs.iterdir():
        if entry.name.isdigit() and pid_alive(int(entry.name)):
            alive = True
        else:
            entry.unlink(missing_ok=True)
    removed: list[Path] = []
    if not alive and locks.is_dir():
        for lock in sorted(locks.glob("*.lock")):
            lock.unlink(missing_ok=True)
            removed.append(lock)
    (runs / str(os.getpid() if pid is None else pid)).touch()
    return removed
