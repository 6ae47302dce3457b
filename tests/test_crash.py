"""Crash safety: a run of the tiny release killed with SIGKILL (the whole snakemake process group) in
the middle of its slowest rules, models, figures and appendix, then started again with the plain
command each time, completes and publishes a tree byte-identical to the uninterrupted run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO
from support.workflow import snakemake, write_config

pytestmark = pytest.mark.workflow

#: Seconds to wait for a rule to start before giving up on killing it.
WAIT = 420


def start(workdir: Path, configfile: Path) -> subprocess.Popen:
    """The README's command (no --rerun-incomplete, no --unlock), in its own process group."""
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--cores", "2", "--configfile", str(configfile),
    ]  # fmt: skip
    out = (workdir / "killed.out").open("a")
    return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def kill_when_started(process: subprocess.Popen, marker: Path, after: float = 1.0) -> None:
    """SIGKILL the run's whole process group once ``marker`` (a rule's log) exists: mid-rule."""
    deadline = time.monotonic() + WAIT
    while not marker.exists():
        assert process.poll() is None, f"the run ended before {marker.name} appeared"
        assert time.monotonic() < deadline, f"{marker} never appeared"
        time.sleep(0.1)
    time.sleep(after)
    assert process.poll() is None, f"the run ended before it could be killed in {marker}"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_runs_killed_mid_rule_restart_and_publish_the_same_bytes(tiny_run, tmp_path):
    reference, config, _ = tiny_run
    workdir = tmp_path / "run"
    workdir.mkdir()
    configfile = write_config(workdir / "config.yaml", config)
    logs = workdir / "logs/tiny"
    area = next(iter(config["areas"]))
    for marker in (
        logs / "models.log",
        logs / f"figures/{area}.log",
        logs / f"appendix/{area}.log",
    ):
        kill_when_started(start(workdir, configfile), marker)
        assert not (workdir / "results/tiny/published").exists()  # nothing half published
    result = snakemake(workdir, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    first = reference / "results/tiny/published"
    second = workdir / "results/tiny/published"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differing = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert not differing
    assert not list((workdir / "results/tiny").rglob("*.tmp"))


def test_a_kill_during_the_swap_is_repaired_by_the_next_publish(tmp_path):
    from birthgaps.publish.publication import publish_tree

    staged, published = tmp_path / "staged", tmp_path / "published"
    (staged / "tables").mkdir(parents=True)
    (staged / "tables/rates.csv").write_text("new\n")
    (published / "tables").mkdir(parents=True)
    (published / "tables/rates.csv").write_text("old\n")
    # killed between the two renames: the old tree moved out, the new one never moved in, and a
    # half-made copy is left beside them
    published.rename(tmp_path / "published.outgoing")
    (tmp_path / "published.incoming/tables").mkdir(parents=True)
    (tmp_path / "published.incoming/tables/half.csv").write_text("ne")
    publish_tree(staged, published)
    assert (published / "tables/rates.csv").read_text() == "new\n"
    assert not (published / "tables/half.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published", "staged"]
