"""Run the repository's Snakefile in a temporary folder on a tiny synthetic or real-layout config."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from support import REPO
from support.cleaned import birth_outcomes_only


def snakemake(
    workdir: Path, *args: str, configfile: Path | None = None
) -> subprocess.CompletedProcess:
    """Run snakemake with the repository's Snakefile in ``workdir``."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def tiny_config(repo_config: dict) -> dict:
    """The demo config shrunk to a release that runs in well under a minute."""
    config = copy.deepcopy(repo_config)
    config["release"] = "tiny"
    config["releases"] = {
        "tiny": {
            "label": "Tiny test release (synthetic)",
            "synthetic": True,
            "extract": "results/tiny/restricted/raw/births_extract.csv",
            "imd_lookup": "results/tiny/restricted/raw/lsoa_imd_lookup.csv",
            "deaths": {
                "extract": "results/tiny/restricted/raw/deaths_extract.csv",
                "source": "canonical",
            },
            "deaths_complete_to": "2024-12-31",
            "years": [2022, 2023],
        }
    }
    config["synthetic"]["live_births"] = 6000
    config["synthetic"]["n_lsoas_per_area"] = 30
    return config


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def real_release(tmp_path: Path, repo_config: dict) -> dict:
    config = tiny_config(repo_config)
    config["release"] = "real"
    config["releases"] = {
        "real": {
            "label": "A real-layout release",
            "extract": str(tmp_path / "births.csv"),
            "imd_lookup": str(tmp_path / "imd.csv"),
            "years": [2022, 2023],
        }
    }
    return birth_outcomes_only(config)  # a real-layout extract without maternity columns or deaths


def copy_run(workdir: Path, target: Path) -> Path:
    """A copy of a finished run's folder (results, logs, .snakemake and config, mtimes kept) that
    snakemake sees as up to date; for tests that change files of a shared run."""
    shutil.copytree(workdir, target, symlinks=True, dirs_exist_ok=True)
    return target
