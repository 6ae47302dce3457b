"""Benchmark: each rule's time and peak memory on the demo release, the basis of its `resources:`.

Usage: python3 -m uv run python benchmarks/rule_resources.py [--cores 2] [--config config/config.yaml]
Runs the release from nothing in a temporary folder and reads every job's log (core.runner.run_step
logs its start, finish and peak memory). Prints a Markdown table per rule: the largest job's seconds
and MB, the release's record count, and the resources the rule files declare for that release.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(
    r"^(\S+ \S+) INFO birthgaps: rule (\S+) (started|finished)(?:, peak memory (\d+) MB)?"
)


def job_measures(logs: Path) -> list[tuple[str, float, int]]:
    """(rule, seconds, peak MB) of every job whose log has a start and a finish line."""
    jobs = []
    for log in sorted(logs.rglob("*.log")):
        marks, peak, rule = {}, 0, ""
        for line in log.read_text().splitlines():
            if match := LINE.match(line):
                rule = match.group(2)
                marks[match.group(3)] = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
                peak = int(match.group(4) or peak)
        if len(marks) == 2:
            jobs.append((rule, (marks["finished"] - marks["started"]).total_seconds(), peak))
    return jobs


def declared(work: Path, config: Path) -> dict[str, str]:
    """The resources each rule declares for this release, from a dry run's job summaries."""
    out = subprocess.run(
        [
            *(sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")),
            *("--directory", str(work), "--configfile", str(config)),
            *("--cores", "2", "--dry-run", "--forceall", "--printshellcmds"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, str] = {}
    rule = ""
    for line in out.splitlines():
        if line.startswith("rule ") or line.startswith("localrule "):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("resources:") and rule:
            found[rule] = line.split(":", 1)[1].strip()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="birthgaps-resources-") as folder:
        work = Path(folder)
        shutil.copytree(REPO / "config", work / "config")
        config = Path(args.config).resolve()
        subprocess.run(
            [
                *(sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")),
                *("--directory", str(work), "--configfile", str(config)),
                *("--cores", str(args.cores), "--quiet", "all"),
            ],
            check=True,
        )
        jobs = job_measures(work / "logs")
        resources = declared(work, config)
    print("| rule | jobs | slowest job, s | largest peak memory, MB | declared resources |")
    print("|---|---|---|---|---|")
    for rule in sorted({rule for rule, _, _ in jobs}):
        mine = [(s, mb) for r, s, mb in jobs if r == rule]
        print(
            f"| `{rule}` | {len(mine)} | {max(s for s, _ in mine):.1f} | "
            f"{max(mb for _, mb in mine)} | {resources.get(rule, '')} |"
        )


if __name__ == "__main__":
    main()
