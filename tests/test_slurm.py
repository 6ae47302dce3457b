"""The tiny release on a real SLURM cluster through profiles/slurm (snakemake-executor-plugin-slurm):
every job ran as a SLURM job, the per-area rules were grouped, and the published tree is byte for
byte the local run's. Skips without `sbatch`, unless BIRTHGAPS_SLURM=required (CI, after
.ci/slurm-up), where a missing cluster fails. Also: every rule declares its resources."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import REPO
from support.workflow import snakemake, write_config

from birthgaps.core.runner import peak_memory_mb, run_step

PROFILE = REPO / "profiles" / "slurm"
# what a cluster without an accounting database needs (docs/cluster.md): job states from squeue
# rather than sacct, no account, and a first status check after 1 s rather than 40
NO_ACCOUNTING = (
    *("--slurm-status-command", "squeue"),
    "--slurm-no-account",
    *("--slurm-init-seconds-before-status-checks", "1"),
)
RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))


def cluster_or_skip() -> None:
    """Skip (or fail, when BIRTHGAPS_SLURM=required) unless a SLURM node answers and is usable."""
    required = os.environ.get("BIRTHGAPS_SLURM") == "required"
    problem = None
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        problem = "SLURM's sbatch/sinfo are not installed (.ci/slurm-up installs and starts them)"
    else:
        states = subprocess.run(
            ["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True
        )
        usable = {"idle", "mixed", "allocated", "completing"}
        if states.returncode != 0 or not usable & set(states.stdout.split()):
            problem = f"no usable SLURM node: sinfo said {states.stdout or states.stderr!r}"
    if problem and required:
        pytest.fail(f"BIRTHGAPS_SLURM=required but {problem}")
    if problem:
        pytest.skip(problem)


def job_ids(logs: Path) -> dict[str, str]:
    """Each job's log (relative path) -> the SLURM job id it recorded, '' when it recorded none."""
    found = {}
    for log in sorted(logs.rglob("*.log")):
        text = log.read_text()
        if re.search(r"INFO birthgaps: rule \S+ started", text):
            match = re.search(r"INFO birthgaps: SLURM job (\d+)", text)
            found[log.relative_to(logs).as_posix()] = match.group(1) if match else ""
    return found


def tree_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def slurm_run(request, tmp_path_factory):
    """The tiny release of the shared local run, run again from nothing through SLURM."""
    cluster_or_skip()  # before the local run is made, so a machine without SLURM skips at once
    _, config, _ = request.getfixturevalue("tiny_run")
    workdir = tmp_path_factory.mktemp("slurm")
    configfile = write_config(workdir / "config.yaml", config)
    start = time.perf_counter()
    result = snakemake(workdir, "--profile", str(PROFILE), *NO_ACCOUNTING, configfile=configfile)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    (workdir / "snakemake.out").write_text(
        f"{result.stdout}{result.stderr}\nwall seconds: {seconds:.1f}\n", encoding="utf-8"
    )
    return workdir


def job_states(ids: list[str], wait: float = 60.0) -> dict[str, str]:
    """SLURM job id -> state as squeue lists it, waiting up to ``wait`` seconds while any job is
    still COMPLETING (the last job's state settles a moment after snakemake has seen it end)."""
    deadline = time.monotonic() + wait
    while True:
        states = subprocess.run(
            ["squeue", "--noheader", "--states=all", "--format=%i %T", "--jobs", ",".join(ids)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        listed = dict(line.split() for line in states.splitlines())
        if "COMPLETING" not in listed.values() or time.monotonic() > deadline:
            return listed
        time.sleep(2)


@pytest.mark.workflow
def test_every_job_ran_as_a_slurm_job_and_per_area_rules_were_grouped(slurm_run, tiny_run):
    local = job_ids(tiny_run[0] / "logs")
    remote = job_ids(slurm_run / "logs")
    assert set(remote) == set(local), "the SLURM run did not run the same jobs as the local run"
    assert not any(local.values()), "the local run claims SLURM jobs: the check proves nothing"
    missing = sorted(log for log, job in remote.items() if not job)
    assert not missing, f"jobs that did not run under SLURM: {missing}"
    # the ids are real jobs of this cluster, finished (MinJobAge keeps them listed for 10 minutes)
    ids = sorted(set(remote.values()), key=int)
    listed = job_states(ids)
    assert {job: listed.get(job) for job in ids} == dict.fromkeys(ids, "COMPLETED")
    # figures and appendix of every area (3, fewer than group-components) share one SLURM job
    per_area = {
        job for log, job in remote.items() if Path(log).parts[-2] in ("figures", "appendix")
    }
    assert len(per_area) == 1, f"per-area jobs not grouped: {per_area}"
    assert len(ids) < len(remote)


@pytest.mark.workflow
def test_the_slurm_run_publishes_byte_identical_files(slurm_run, tiny_run):
    local = tree_digests(tiny_run[0] / "results" / "tiny" / "published")
    remote = tree_digests(slurm_run / "results" / "tiny" / "published")
    assert local, "the local run published nothing"
    assert sorted(remote) == sorted(local)
    differ = sorted(path for path in local if remote[path] != local[path])
    assert not differ, f"published files that differ between the SLURM and local runs: {differ}"


def rule_blocks(text: str) -> dict[str, str]:
    """Each rule of a rule file -> its text, up to the next rule."""
    parts = re.split(r"^\s*rule (\w+):", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_rule_declares_memory_and_runtime():
    blocks = {
        name: body for path in RULE_FILES for name, body in rule_blocks(path.read_text()).items()
    }
    assert len(blocks) >= 15, sorted(blocks)
    for name, body in blocks.items():
        resources = re.search(r"^\s*resources:\n((?:\s{8,}.*\n)+)", body, flags=re.MULTILINE)
        assert resources, f"rule {name} declares no resources:"
        declared = resources.group(1)
        for key in ("mem_mb", "runtime"):
            assert re.search(rf"^\s*{key}=", declared, flags=re.MULTILINE), f"{name}: no {key}"


def test_the_check_sees_a_rule_without_resources():
    text = (
        "rule a:\n    output:\n        'x'\n    resources:\n        mem_mb=1,\n        runtime=5,\n"
    )
    text += "rule b:\n    output:\n        'y'\n"
    blocks = rule_blocks(text)
    assert "resources:" in blocks["a"] and "resources:" not in blocks["b"]


@pytest.mark.parametrize("job", ["4242", None])
def test_a_job_log_names_its_slurm_job_and_peak_memory(tmp_path, monkeypatch, job):
    if job:
        monkeypatch.setenv("SLURM_JOB_ID", job)
    else:
        monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    log = tmp_path / "log.txt"
    smk = SimpleNamespace(log=[str(log)], output=[], rule="demo")
    before, big = peak_memory_mb(), []
    run_step(smk, lambda _: big.append(b"x" * ((before + 100) * 2**20)))  # written, so resident
    text = log.read_text()
    assert ("SLURM job 4242" in text) == bool(job)
    peak = re.search(r"rule demo finished, peak memory (\d+) MB", text)
    assert peak and int(peak.group(1)) >= before + 100, text


def test_without_slurm_the_test_skips_unless_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("BIRTHGAPS_SLURM", raising=False)
    with pytest.raises(pytest.skip.Exception):
        cluster_or_skip()
    monkeypatch.setenv("BIRTHGAPS_SLURM", "required")
    with pytest.raises(pytest.fail.Exception, match="BIRTHGAPS_SLURM=required"):
        cluster_or_skip()
